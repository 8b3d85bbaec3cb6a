using System.ComponentModel;
using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

public sealed record ChatCompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    string SystemFingerprint,
    IReadOnlyList<ChatCompletionChoice> Choices,
    Usage Usage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LinearAlignmentInfo? LinearAlignment);

public sealed record ChatCompletionChoice(
    int Index,
    AssistantMessage Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChatChoiceLogprobs? Logprobs,
    string FinishReason,
    [property: Description("Extension, with alignment_diagnostics: what steering did at each token of this choice.")]
    ChoiceAlignmentInfo? LinearAlignment = null);

public sealed record AssistantMessage(
    string Role,
    string Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Refusal);

/// <summary>One server-sent event of a streamed chat completion: a choice's role, new content, finish reason, or the usage.</summary>
public sealed record ChatCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    string SystemFingerprint,
    IReadOnlyList<ChatCompletionChunkChoice> Choices,
    Usage? Usage,
    LinearAlignmentInfo? LinearAlignment);

public sealed record ChatCompletionChunkChoice(
    int Index,
    ChatDelta Delta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChatChoiceLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: Description("Extension, with alignment_diagnostics: what steering did at each token of this delta.")]
    ChoiceAlignmentInfo? LinearAlignment = null);

/// <summary>The new part of the assistant message; empty in the chunk that carries the finish reason.</summary>
public sealed record ChatDelta(string? Role, string? Content);
