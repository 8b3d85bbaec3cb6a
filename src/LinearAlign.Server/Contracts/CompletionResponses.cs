using System.ComponentModel;
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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] CompletionLogprobs? Logprobs,
    string FinishReason,
    [property: Description("Extension, with alignment_diagnostics: what steering did at each token of this choice.")]
    ChoiceAlignmentInfo? LinearAlignment = null);

/// <summary>One server-sent event of a streamed completion: new text of one choice, its finish reason, or the usage.</summary>
public sealed record CompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    string SystemFingerprint,
    IReadOnlyList<CompletionChunkChoice> Choices,
    Usage? Usage,
    LinearAlignmentInfo? LinearAlignment);

public sealed record CompletionChunkChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] CompletionLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: Description("Extension, with alignment_diagnostics: what steering did at each token of this delta.")]
    ChoiceAlignmentInfo? LinearAlignment = null);
