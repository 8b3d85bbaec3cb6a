using LinearAlign.Engine.Alignment;

namespace LinearAlign.Engine.Generation;

public enum FinishReason
{
    /// <summary>An end-of-generation token or a stop string.</summary>
    Stop,

    /// <summary>max_tokens or the context limit.</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>
/// Token counts. For an aligned request the prompt is the one with the principle. <paramref name="CachedPromptTokens"/>
/// of the prompt's tokens were already in the KV cache from an earlier request and were not decoded again.
/// </summary>
public readonly record struct GenerationUsage(int PromptTokens, int CompletionTokens, int CachedPromptTokens = 0)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>The alignment a request actually got.</summary>
public sealed record AppliedAlignment(float StepSize, AlignmentMode Mode, int PrincipleTokens, int SharedPrefixTokens);

/// <param name="Logprobs">Each token of <paramref name="Text"/>, where the request asked for log-probabilities.</param>
public sealed record GenerationResult(
    string Text, FinishReason FinishReason, GenerationUsage Usage, AppliedAlignment? Alignment, IReadOnlyList<TokenLogprob>? Logprobs = null);

/// <summary>New text since the previous delta, how many tokens produced it, and those tokens' log-probabilities where asked for.</summary>
public readonly record struct GenerationDelta(string Text, int Tokens, IReadOnlyList<TokenLogprob>? Logprobs = null);
