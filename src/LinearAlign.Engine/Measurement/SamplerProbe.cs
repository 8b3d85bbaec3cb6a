using System.Diagnostics;
using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Measurement;

/// <summary>
/// The engine's sampler for one aligned stream, run over logits rows given directly instead of a decode's, so that a
/// benchmark can time its parts on real rows apart from llama_decode: the principled nucleus mask, log-probabilities
/// and alignment diagnostics. It samples as an engine stream with the same parameters does; the engine never uses it.
/// </summary>
public sealed class SamplerProbe : IDisposable
{
    private readonly TokenSampler _sampler;

    /// <param name="topLogprobs">Null: no log-probabilities; else each step's, with this many of the most likely tokens.</param>
    /// <param name="diagnostics">Measure each step, as a request asking for alignment_diagnostics does.</param>
    public SamplerProbe(SamplingParameters sampling, int vocabularySize, int? topLogprobs = null, bool diagnostics = false) =>
        _sampler = new TokenSampler(sampling, vocabularySize, aligned: true, topLogprobs: topLogprobs, diagnostics: diagnostics);

    /// <summary>How long the last step's principled nucleus mask took; zero when top_p masks nothing.</summary>
    public TimeSpan LastMaskDuration => _sampler.LastMaskDuration;

    /// <summary>How long the last step's log-probabilities took: the aligned distribution's, and the token's under W and U.</summary>
    public TimeSpan LastLogprobDuration => _sampler.LastLogprobDuration;

    /// <summary>One aligned step from l_W and l_U, as the engine samples a stream with one principle; returns the token.</summary>
    public int SampleAligned(ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> withoutPrinciple, float stepSize, AlignmentMode mode) =>
        _sampler.SampleAligned(withPrinciple, withoutPrinciple, stepSize, mode, observer: null);

    /// <summary>
    /// How long a plain stream's log-probabilities take over <paramref name="logits"/>: the distribution with its top
    /// tokens and <paramref name="token"/>'s log-probability, computed as a plain step computes them.
    /// </summary>
    public TimeSpan TimePlainLogprobs(ReadOnlySpan<float> logits, int token)
    {
        var calculator = _sampler.Logprobs ?? throw new InvalidOperationException("This probe was made without topLogprobs.");
        var started = Stopwatch.GetTimestamp();
        calculator.Over(logits);
        calculator.Logprob(logits, token);
        return Stopwatch.GetElapsedTime(started);
    }

    public void Dispose() => _sampler.Dispose();
}
