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

        var scale = Direction(withPrinciple, withoutPrinciple, stepSize, mode, destination);
        TensorPrimitives.MultiplyAdd(destination, scale, withPrinciple, destination);
    }

    /// <summary>
    /// The update with several principles: aligned = l_U + Σ_i (1 + s_i)(l_{W_i} − l_U), computed as the principled
    /// logits P = l_{W_1} + Σ_{i≥2} (l_{W_i} − l_U), the s = 0 combination (a product of experts, each principle counting
    /// as plain prompting with it), plus Σ_i s_i d_i. Reference mode: d_i = l_{W_i} − l_U; normalized mode takes each
    /// direction as <see cref="Apply(ReadOnlySpan{float}, ReadOnlySpan{float}, float, AlignmentMode, Span{float})"/>
    /// does, d_i / |d_i| of the log-softmax difference.
    /// </summary>
    /// <param name="principled">Receives P, which the plausibility mask and the diagnostics are taken from.</param>
    /// <param name="scratch">Overwritten; as long as the logits.</param>
    public static void Apply(
        ReadOnlySpan<float> firstWith,
        ReadOnlySpan<float> withoutPrinciple,
        float firstStepSize,
        PrincipleLogitRows others,
        AlignmentMode mode,
        Span<float> principled,
        Span<float> destination,
        Span<float> scratch)
    {
        firstWith.CopyTo(principled);
        for (var i = 0; i < others.Count; i++)
        {
            TensorPrimitives.Subtract(others[i], withoutPrinciple, scratch);
            TensorPrimitives.Add(principled, scratch, principled);
        }
        principled.CopyTo(destination);
        TensorPrimitives.MultiplyAdd(scratch, Direction(firstWith, withoutPrinciple, firstStepSize, mode, scratch), destination, destination);
        for (var i = 0; i < others.Count; i++)
        {
            TensorPrimitives.MultiplyAdd(scratch, Direction(others[i], withoutPrinciple, others.StepSize(i), mode, scratch), destination, destination);
        }
    }

    /// <summary>
    /// Writes a principle's direction d into <paramref name="direction"/> and returns what it is scaled by: the step, or
    /// in normalized mode the step over |d|, d then being the difference of the log-softmax rows. Each context's logits
    /// carry a constant of their own, which a raw difference would add to every entry and so to the norm;
    /// log_softmax(l_W) − log_softmax(l_U) = (l_W − l_U) − (lse(l_W) − lse(l_U)) has none.
    /// </summary>
    private static float Direction(
        ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> withoutPrinciple, float stepSize, AlignmentMode mode, Span<float> direction)
    {
        var normalized = mode == AlignmentMode.Normalized;
        var normalizers = normalized ? LogSumExp(withPrinciple, direction) - LogSumExp(withoutPrinciple, direction) : 0f;
        TensorPrimitives.Subtract(withPrinciple, withoutPrinciple, direction);
        if (!normalized)
        {
            return stepSize;
        }
        TensorPrimitives.Subtract(direction, normalizers, direction);
        var norm = TensorPrimitives.Norm(direction);
        return norm > 0f && float.IsFinite(norm) ? stepSize / norm : 0f;
    }

    /// <summary>log Σ exp(logits), shifted by the maximum so that no exponential overflows; <paramref name="scratch"/> is overwritten.</summary>
    internal static float LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
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
