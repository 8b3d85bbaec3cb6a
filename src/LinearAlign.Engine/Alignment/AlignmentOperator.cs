using System.Numerics.Tensors;

namespace LinearAlign.Engine.Alignment;

/// <summary>
/// The linear alignment update over one step's logits. Written as l_W + s·d rather than a lerp so that s = 0
/// returns l_W bit for bit, i.e. exactly plain prompting with the principle.
/// </summary>
public static class AlignmentOperator
{
    /// <param name="withPrinciple">l_W, the logits of the dialog with the principle.</param>
    /// <param name="withoutPrinciple">l_U, the logits of the same dialog without it.</param>
    /// <param name="destination">Receives the aligned logits; may not overlap the inputs.</param>
    public static void Apply(
        ReadOnlySpan<float> withPrinciple,
        ReadOnlySpan<float> withoutPrinciple,
        float stepSize,
        AlignmentMode mode,
        Span<float> destination)
    {
        if (withPrinciple.Length != withoutPrinciple.Length || destination.Length != withPrinciple.Length)
        {
            throw new ArgumentException("Logit spans must have the same length.");
        }

        var normalized = mode == AlignmentMode.Normalized;
        // Each context's logits carry a constant of their own, which a raw difference would add to every entry and so
        // to the norm; log_softmax(l_W) − log_softmax(l_U) = (l_W − l_U) − (lse(l_W) − lse(l_U)) has none.
        var normalizers = normalized ? LogSumExp(withPrinciple, destination) - LogSumExp(withoutPrinciple, destination) : 0f;
        TensorPrimitives.Subtract(withPrinciple, withoutPrinciple, destination);
        var scale = stepSize;
        if (normalized)
        {
            TensorPrimitives.Subtract(destination, normalizers, destination);
            var norm = TensorPrimitives.Norm(destination);
            scale = norm > 0f && float.IsFinite(norm) ? stepSize / norm : 0f;
        }
        TensorPrimitives.MultiplyAdd(destination, scale, withPrinciple, destination);
    }

    /// <summary>log Σ exp(logits), shifted by the maximum so that no exponential overflows; <paramref name="scratch"/> is overwritten.</summary>
    private static float LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(logits);
        if (!float.IsFinite(max))
        {
            return max;
        }
        TensorPrimitives.Subtract(logits, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + MathF.Log(TensorPrimitives.Sum(scratch));
    }
}
