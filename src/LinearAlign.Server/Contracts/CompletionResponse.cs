using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

public sealed record CompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    string SystemFingerprint,
    IReadOnlyList<CompletionChoice> Choices,
    Usage Usage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LinearAlignmentInfo? LinearAlignment);

public sealed record CompletionChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? Logprobs,
    string FinishReason);

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens);

/// <summary>The alignment the server applied, echoed so a client can see it.</summary>
public sealed record LinearAlignmentInfo(int PrincipleTokens, float StepSize, string Mode, int SharedPrefixTokens);
