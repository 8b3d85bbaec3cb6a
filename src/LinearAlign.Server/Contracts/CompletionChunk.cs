using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

/// <summary>One server-sent event of a streamed completion: new text of one choice, or its finish reason.</summary>
public sealed record CompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    string SystemFingerprint,
    IReadOnlyList<CompletionChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LinearAlignmentInfo? LinearAlignment);

public sealed record CompletionChunkChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);
