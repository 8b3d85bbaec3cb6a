using System.Buffers;
using System.Numerics.Tensors;
using LinearAlign.Engine.Alignment;

namespace LinearAlign.Engine.Sampling;

/// <summary>
/// How strongly one aligned step's update acted, over the whole vocabulary at temperature 1, before logit bias and
/// bans: the models' own distributions. Buffers are rented once per request, so a step allocates nothing.
/// </summary>
internal sealed class SteeringMeasure(int vocabularySize) : IDisposable
{
    private float[] _probabilities = ArrayPool<float>.Shared.Rent(vocabularySize);
    private float[] _differences = ArrayPool<float>.Shared.Rent(vocabularySize);

    /// <param name="aligned">The aligned logits.</param>
    /// <param name="principled">P, the s = 0 combination (W's logits with one principle).</param>
    /// <param name="withoutPrinciple">U's logits.</param>
    public SteeringMeasurement Measure(ReadOnlySpan<float> aligned, ReadOnlySpan<float> principled, ReadOnlySpan<float> withoutPrinciple)
    {
        var probabilities = _probabilities.AsSpan(0, vocabularySize);
        var differences = _differences.AsSpan(0, vocabularySize);
        var alignedNormalizer = AlignmentOperator.LogSumExp(aligned, probabilities);
        var principledNormalizer = AlignmentOperator.LogSumExp(principled, probabilities);
        var withoutNormalizer = AlignmentOperator.LogSumExp(withoutPrinciple, probabilities);
        return new SteeringMeasurement(
            Divergence(aligned, alignedNormalizer, principled, principledNormalizer, probabilities, differences),
            Divergence(principled, principledNormalizer, withoutPrinciple, withoutNormalizer, probabilities, differences),
            TensorPrimitives.Distance(aligned, principled),
            alignedNormalizer,
            principledNormalizer);
    }

    /// <summary>KL(p ‖ q) = Σ p (x − y) − (lse x − lse y), for p = softmax(x), q = softmax(y); never below 0, which rounding may cross.</summary>
    private static float Divergence(
        ReadOnlySpan<float> x, float xNormalizer, ReadOnlySpan<float> y, float yNormalizer, Span<float> probabilities, Span<float> differences)
    {
        TensorPrimitives.Subtract(x, xNormalizer, probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        TensorPrimitives.Subtract(x, y, differences);
        var divergence = TensorPrimitives.Dot(probabilities, differences) - (xNormalizer - yNormalizer);
        if (float.IsFinite(divergence))
        {
            return Math.Max(0f, divergence);
        }
        // A logit at minus infinity (a model that masks tokens): 0 · −∞ terms count as 0; a token P allows and Q rules
        // out makes the divergence infinite, which JSON cannot carry, so it is capped.
        divergence = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            if (probabilities[i] > 0f)
            {
                divergence += probabilities[i] * ((x[i] - xNormalizer) - (y[i] - yNormalizer));
            }
        }
        return float.IsNaN(divergence) ? 0f : Math.Clamp(divergence, 0f, float.MaxValue);
    }

    public void Dispose()
    {
        if (_probabilities.Length > 0)
        {
            ArrayPool<float>.Shared.Return(_probabilities);
            ArrayPool<float>.Shared.Return(_differences);
            _probabilities = [];
            _differences = [];
        }
    }
}

/// <summary>One step's KL(aligned ‖ P) and KL(P ‖ U) in nats, |aligned − P| (the step-weighted direction's norm), and the log-normalisers of aligned and P.</summary>
internal readonly record struct SteeringMeasurement(
    float KlAlignedPrincipled, float KlPrincipledBase, float DirectionNorm, float AlignedNormalizer, float PrincipledNormalizer);

/// <summary>
/// What steering did at one step: the token P would have chosen under the same draw, the emitted token's probability
/// under the aligned distribution and under P, the chosen-by-P token's probability under P (all at temperature 1 over
/// the whole vocabulary), and the step's measurement.
/// </summary>
internal readonly record struct SteeringStep(
    int PrincipleChoice,
    float Probability,
    float PrincipleProbability,
    float PrincipleChoiceProbability,
    float KlAlignedPrincipled,
    float KlPrincipledBase,
    float DirectionNorm);
