using LinearAlign.Engine.Generation;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>What every response and chunk of one request repeats.</summary>
public sealed record ResponseHeader(string Id, long Created, string Model, LinearAlignmentInfo? Alignment)
{
    private bool _alignmentSent;

    /// <summary>The alignment for the first chunk of a stream, null for the rest: once is enough to show what was applied.</summary>
    public LinearAlignmentInfo? AlignmentOnce()
    {
        var alignment = _alignmentSent ? null : Alignment;
        _alignmentSent = true;
        return alignment;
    }

    /// <summary>The alignment with the diagnostics of the choices that have them, for a whole response or the chunk ending one choice.</summary>
    public LinearAlignmentInfo? AlignmentWith(IEnumerable<(int Index, GenerationResult Result)> choices)
    {
        var diagnostics = choices
            .Where(choice => choice.Result.Diagnostics is not null)
            .Select(choice => WireSteering.Diagnostics(choice.Index, choice.Result.Diagnostics!))
            .ToList();
        return diagnostics.Count == 0 ? Alignment : Alignment! with { Diagnostics = diagnostics };
    }

    public static ResponseHeader For(string idPrefix, string model, AppliedAlignment? alignment, bool compare) => new(
        $"{idPrefix}-{Guid.NewGuid():N}",
        DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        model,
        alignment is null
            ? null
            : new LinearAlignmentInfo(
                alignment.PrincipleTokens,
                alignment.StepSize,
                RequestMapper.WireName(alignment.Mode),
                alignment.SharedPrefixTokens,
                [.. alignment.Principles.Select(principle => new AppliedPrincipleInfo(principle.PrincipleTokens, principle.StepSize, principle.SharedPrefixTokens))],
                compare ? RequestMapper.ComparisonChoiceNames : null));
}

/// <summary>How an endpoint shapes its whole response and its streamed chunks. The first chunk carries linear_alignment.</summary>
public interface IResponseFormat
{
    object Response(IReadOnlyList<GenerationResult> results, Usage usage);

    IEnumerable<object> Opening(int choices);

    /// <param name="logprobs">The log-probabilities of the tokens of <paramref name="text"/>, where the request asked for them.</param>
    /// <param name="steering">What steering did at those tokens, where the request asked for alignment diagnostics.</param>
    object Text(int index, string text, IReadOnlyList<TokenLogprob>? logprobs, IReadOnlyList<SteeredToken>? steering);

    /// <summary>The chunk ending a choice: its finish reason, and its diagnostics where it has them.</summary>
    object Finish(int index, GenerationResult result);

    object UsageChunk(Usage usage);
}

/// <summary>/v1/completions: text_completion objects, the same object type for the response and its chunks.</summary>
public sealed class CompletionResponseFormat(ResponseHeader header) : IResponseFormat
{
    public const string IdPrefix = "cmpl";
    private const string ObjectType = "text_completion";

    public object Response(IReadOnlyList<GenerationResult> results, Usage usage) => new CompletionResponse(
        header.Id, ObjectType, header.Created, header.Model, SystemFingerprint.Value,
        results.Select((r, i) => new CompletionChoice(i, r.Text, WireLogprobs.Completion(r.Logprobs), RequestMapper.WireName(r.FinishReason), WireSteering.Tokens(r.Steering))).ToList(),
        usage,
        header.AlignmentWith(results.Select((result, index) => (index, result))));

    public IEnumerable<object> Opening(int choices) => [];

    public object Text(int index, string text, IReadOnlyList<TokenLogprob>? logprobs, IReadOnlyList<SteeredToken>? steering) =>
        Chunk([new CompletionChunkChoice(index, text, WireLogprobs.Completion(logprobs), null, WireSteering.Tokens(steering))], null);

    public object Finish(int index, GenerationResult result) =>
        Chunk([new CompletionChunkChoice(index, string.Empty, null, RequestMapper.WireName(result.FinishReason))], null, WireSteering.Ending(header, index, result));

    public object UsageChunk(Usage usage) => Chunk([], usage);

    private CompletionChunk Chunk(IReadOnlyList<CompletionChunkChoice> choices, Usage? usage, LinearAlignmentInfo? alignment = null) =>
        new(header.Id, ObjectType, header.Created, header.Model, SystemFingerprint.Value, choices, usage, alignment ?? header.AlignmentOnce());
}

/// <summary>/v1/chat/completions: chat.completion, streamed as chat.completion.chunk deltas opening with the role.</summary>
public sealed class ChatResponseFormat(ResponseHeader header) : IResponseFormat
{
    public const string IdPrefix = "chatcmpl";
    private const string Assistant = "assistant";
    private static readonly ChatDelta EmptyDelta = new(null, null);

    public object Response(IReadOnlyList<GenerationResult> results, Usage usage) => new ChatCompletionResponse(
        header.Id, "chat.completion", header.Created, header.Model, SystemFingerprint.Value,
        results.Select((r, i) => new ChatCompletionChoice(
            i, new AssistantMessage(Assistant, r.Text, null), WireLogprobs.Chat(r.Logprobs), RequestMapper.WireName(r.FinishReason), WireSteering.Tokens(r.Steering))).ToList(),
        usage,
        header.AlignmentWith(results.Select((result, index) => (index, result))));

    public IEnumerable<object> Opening(int choices) =>
        Enumerable.Range(0, choices).Select(index => Chunk([new ChatCompletionChunkChoice(index, new ChatDelta(Assistant, string.Empty), null, null)], null));

    public object Text(int index, string text, IReadOnlyList<TokenLogprob>? logprobs, IReadOnlyList<SteeredToken>? steering) =>
        Chunk([new ChatCompletionChunkChoice(index, new ChatDelta(null, text), WireLogprobs.Chat(logprobs), null, WireSteering.Tokens(steering))], null);

    public object Finish(int index, GenerationResult result) =>
        Chunk([new ChatCompletionChunkChoice(index, EmptyDelta, null, RequestMapper.WireName(result.FinishReason))], null, WireSteering.Ending(header, index, result));

    public object UsageChunk(Usage usage) => Chunk([], usage);

    private ChatCompletionChunk Chunk(IReadOnlyList<ChatCompletionChunkChoice> choices, Usage? usage, LinearAlignmentInfo? alignment = null) =>
        new(header.Id, "chat.completion.chunk", header.Created, header.Model, SystemFingerprint.Value, choices, usage, alignment ?? header.AlignmentOnce());
}
