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

/// <summary>
/// The alignment a request actually got: the first principle's step, tokens and prefix shared with U, and every
/// principle's in <paramref name="Principles"/>.
/// </summary>
public sealed record AppliedAlignment(
    float StepSize, AlignmentMode Mode, int PrincipleTokens, int SharedPrefixTokens, IReadOnlyList<AppliedPrinciple> Principles);

/// <summary>
/// One principle as applied: how many tokens longer its dialog W_i is than U, its step, and the leading tokens its
/// sequence shares (copies) instead of computing: with U for the first principle, with W_1 for the others.
/// </summary>
public sealed record AppliedPrinciple(int PrincipleTokens, float StepSize, int SharedPrefixTokens);

/// <param name="Logprobs">Each token of <paramref name="Text"/>, where the request asked for log-probabilities.</param>
/// <param name="Steering">Each token of <paramref name="Text"/>, where the request asked for alignment diagnostics.</param>
/// <param name="Diagnostics">The summary of <paramref name="Steering"/>.</param>
public sealed record GenerationResult(
    string Text,
    FinishReason FinishReason,
    GenerationUsage Usage,
    AppliedAlignment? Alignment,
    IReadOnlyList<TokenLogprob>? Logprobs = null,
    IReadOnlyList<SteeredToken>? Steering = null,
    AlignmentDiagnostics? Diagnostics = null);

/// <summary>
/// New text since the previous delta, how many tokens produced it, and those tokens' log-probabilities and steering
/// where asked for.
/// </summary>
public readonly record struct GenerationDelta(
    string Text, int Tokens, IReadOnlyList<TokenLogprob>? Logprobs = null, IReadOnlyList<SteeredToken>? Steering = null);
