using LinearAlign.Engine.Alignment;

namespace LinearAlign.Engine.Tests.Alignment;

public sealed class AlignmentOperatorTests
{
    private static readonly float[] WithPrinciple = [1.5f, -2f, 0.25f, 3f, -0.75f, 8f, 0f, -4f, 2.5f, 1f, -1f, 0.5f, 6f, -3f, 7f, 0.125f, 9f];
    private static readonly float[] WithoutPrinciple = [0.5f, -1f, 1.25f, 3f, -2.75f, 4f, 1f, -1f, 2f, -1f, 1f, 0.5f, 5f, -2f, 8f, 1.125f, -9f];

    [Fact]
    public void Step_zero_returns_the_principled_logits_bit_for_bit()
    {
        var aligned = new float[WithPrinciple.Length];

        AlignmentOperator.Apply(WithPrinciple, WithoutPrinciple, 0f, AlignmentMode.Reference, aligned);

        Assert.Equal(WithPrinciple, aligned);
    }

    [Theory]
    [InlineData(2f)]
    [InlineData(-3.5f)]
    public void Reference_mode_moves_along_the_unnormalised_difference(float step)
    {
        var aligned = new float[WithPrinciple.Length];

        AlignmentOperator.Apply(WithPrinciple, WithoutPrinciple, step, AlignmentMode.Reference, aligned);

        for (var i = 0; i < aligned.Length; i++)
        {
            Assert.Equal(WithPrinciple[i] + step * (WithPrinciple[i] - WithoutPrinciple[i]), aligned[i], 1e-5f);
        }
    }

    [Fact]
    public void Normalized_mode_moves_exactly_step_size_in_euclidean_length()
    {
        var aligned = new float[WithPrinciple.Length];

        AlignmentOperator.Apply(WithPrinciple, WithoutPrinciple, 2f, AlignmentMode.Normalized, aligned);

        var moved = MathF.Sqrt(aligned.Zip(WithPrinciple, (a, w) => (a - w) * (a - w)).Sum());
        Assert.Equal(2f, moved, 1e-4f);
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(40f, -25f)]
    [InlineData(-12.5f, 30f)]
    public void Normalized_mode_moves_along_the_unit_difference_of_log_probabilities(float offsetWith, float offsetWithout)
    {
        const float step = 3f;
        var with = WithPrinciple.Select(w => w + offsetWith).ToArray();
        var without = WithoutPrinciple.Select(u => u + offsetWithout).ToArray();
        var aligned = new float[with.Length];

        AlignmentOperator.Apply(with, without, step, AlignmentMode.Normalized, aligned);

        var direction = new double[with.Length];
        var (normalizerWith, normalizerWithout) = (LogSumExp(with), LogSumExp(without));
        var squares = 0d;
        for (var i = 0; i < with.Length; i++)
        {
            direction[i] = (with[i] - normalizerWith) - (without[i] - normalizerWithout);
            squares += direction[i] * direction[i];
        }
        for (var i = 0; i < with.Length; i++)
        {
            Assert.Equal(with[i] + step * direction[i] / Math.Sqrt(squares), aligned[i], 1e-4);
        }
    }

    [Fact]
    public void Normalized_mode_ignores_a_constant_added_to_either_contexts_logits()
    {
        var aligned = new float[WithPrinciple.Length];
        var shifted = new float[WithPrinciple.Length];

        AlignmentOperator.Apply(WithPrinciple, WithoutPrinciple, 3f, AlignmentMode.Normalized, aligned);
        AlignmentOperator.Apply(
            [.. WithPrinciple.Select(w => w + 40f)], [.. WithoutPrinciple.Select(u => u - 25f)], 3f, AlignmentMode.Normalized, shifted);

        for (var i = 0; i < aligned.Length; i++)
        {
            Assert.Equal(aligned[i] + 40f, shifted[i], 1e-4f);
        }
    }

    [Fact]
    public void Normalized_mode_with_identical_contexts_leaves_the_logits_alone()
    {
        var aligned = new float[WithPrinciple.Length];

        AlignmentOperator.Apply(WithPrinciple, WithPrinciple, 5f, AlignmentMode.Normalized, aligned);

        Assert.Equal(WithPrinciple, aligned);
    }

    [Fact]
    public void Spans_of_different_lengths_are_rejected() =>
        Assert.Throws<ArgumentException>(() => AlignmentOperator.Apply(new float[3], new float[4], 1f, AlignmentMode.Reference, new float[3]));

    private static double LogSumExp(float[] logits)
    {
        var max = logits.Max();
        return max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
    }
}
