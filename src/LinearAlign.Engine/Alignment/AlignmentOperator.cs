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

        TensorPrimitives.Subtract(withPrinciple, withoutPrinciple, destination);
        var scale = stepSize;
        if (mode == AlignmentMode.Normalized)
        {
            var norm = TensorPrimitives.Norm(destination);
            scale = norm > 0f && float.IsFinite(norm) ? stepSize / norm : 0f;
        }
        TensorPrimitives.MultiplyAdd(destination, scale, withPrinciple, destination);
    }
}
