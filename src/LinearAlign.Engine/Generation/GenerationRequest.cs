using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Generation;

/// <summary>
/// One generation: either a raw <see cref="Prompt"/> or chat <see cref="Messages"/>, optionally steered toward a
/// <see cref="Principle"/> or several <see cref="Principles"/>. Without one it is plain decoding on one sequence.
/// </summary>
public sealed record GenerationRequest
{
    public string? Prompt { get; init; }

    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    /// <summary>Null or empty = plain decoding.</summary>
    public string? Principle { get; init; }

    /// <summary>Null = the configured default (Alignment:DefaultStepSize).</summary>
    public float? StepSize { get; init; }

    /// <summary>
    /// Several principles, each with its own step: aligned = l_U + Σ_i (1 + s_i)(l_{W_i} − l_U), one more sequence per
    /// principle. An alternative to <see cref="Principle"/> and <see cref="StepSize"/>, which must then be unset.
    /// </summary>
    public IReadOnlyList<SteeringPrinciple>? Principles { get; init; }

    /// <summary>Null = the configured default (Alignment:DefaultMode).</summary>
    public AlignmentMode? Mode { get; init; }

    public SamplingParameters Sampling { get; init; } = new();

    /// <summary>Null = until an end-of-generation token, a stop string or the context limit.</summary>
    public int? MaxTokens { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>
    /// Null = no log-probabilities; else each generated token's (<see cref="TokenLogprob"/>) with this many of the most
    /// likely tokens at its step, 0 to <see cref="MaxTopLogprobs"/>.
    /// </summary>
    public int? TopLogprobs { get; init; }

    public const int MaxTopLogprobs = 20;

    /// <summary>
    /// Trace what steering changed (an aligned request only): each token's <see cref="SteeredToken"/> and, at the end,
    /// <see cref="AlignmentDiagnostics"/>.
    /// </summary>
    public bool AlignmentDiagnostics { get; init; }

    public bool IsAligned => !string.IsNullOrEmpty(Principle) || Principles is { Count: > 0 };

    /// <summary>Sees the logits every token of this request is sampled from; for tests and diagnostics.</summary>
    internal LogitsObserver? LogitsObserver { get; init; }
}

/// <summary>One of several principles: its text and its step (null = Alignment:DefaultStepSize); below −1 steers away from it.</summary>
public sealed record SteeringPrinciple(string Text, float? StepSize = null);
