using LinearAlign.Engine.Alignment;

namespace LinearAlign.Engine.Tests.Alignment;

/// <summary>The update over several principles: aligned = l_U + Σ_i (1 + s_i)(l_{W_i} − l_U).</summary>
public sealed class SeveralPrinciplesOperatorTests
{
    private static readonly float[] First = [1.5f, -2f, 0.25f, 3f, -0.75f, 8f, 0f, -4f, 2.5f, 1f, -1f, 0.5f, 6f, -3f, 7f, 0.125f, 9f];
    private static readonly float[] Second = [0.25f, 1f, -0.5f, 2f, 3.25f, -1f, 4f, 0f, 1.5f, -2f, 0.75f, 5f, -3f, 2f, 1f, -0.125f, 2f];
    private static readonly float[] Third = [-1f, 0.5f, 2.5f, -0.25f, 1f, 3f, -2f, 6f, 0f, 0.5f, 4f, -1.5f, 2f, 1f, -3f, 0.875f, 1f];
    private static readonly float[] Without = [0.5f, -1f, 1.25f, 3f, -2.75f, 4f, 1f, -1f, 2f, -1f, 1f, 0.5f, 5f, -2f, 8f, 1.125f, -9f];

    [Theory]
    [InlineData(2f, AlignmentMode.Reference)]
    [InlineData(-3.5f, AlignmentMode.Reference)]
    [InlineData(0f, AlignmentMode.Reference)]
    [InlineData(2f, AlignmentMode.Normalized)]
    public void With_one_principle_the_combination_is_the_single_principle_update_bit_for_bit(float step, AlignmentMode mode)
    {
        var single = new float[First.Length];
        AlignmentOperator.Apply(First, Without, step, mode, single);

        var (principled, combined) = Combine(step, [], [], mode);

        Assert.Equal(single, combined);
        Assert.Equal(First, principled);
    }

    [Theory]
    [InlineData(2f, 1f, 0f)]
    [InlineData(3f, -2.5f, 0.5f)]
    [InlineData(-4f, -1f, 6f)]
    public void Reference_mode_adds_each_principles_difference_weighted_by_one_plus_its_step(float first, float second, float third)
    {
        var (_, combined) = Combine(first, [Second, Third], [second, third], AlignmentMode.Reference);

        for (var i = 0; i < combined.Length; i++)
        {
            var expected = Without[i]
                + (1d + first) * (First[i] - Without[i])
                + (1d + second) * (Second[i] - Without[i])
                + (1d + third) * (Third[i] - Without[i]);
            Assert.Equal(expected, combined[i], 1e-4);
        }
    }

    [Fact]
    public void The_principled_logits_are_the_step_zero_combination_a_product_of_experts()
    {
        var (principled, atStepZero) = Combine(0f, [Second, Third], [0f, 0f], AlignmentMode.Reference);

        for (var i = 0; i < principled.Length; i++)
        {
            Assert.Equal(First[i] + (Second[i] - Without[i]) + (Third[i] - Without[i]), principled[i], 1e-5f);
        }
        Assert.Equal(principled, atStepZero);
    }

    [Fact]
    public void Normalized_mode_moves_each_principle_step_size_along_its_own_unit_direction()
    {
        const float firstStep = 2f;
        const float secondStep = -3f;
        var (principled, combined) = Combine(firstStep, [Second], [secondStep], AlignmentMode.Normalized);

        var first = UnitDirection(First);
        var second = UnitDirection(Second);
        for (var i = 0; i < combined.Length; i++)
        {
            Assert.Equal(principled[i] + firstStep * first[i] + secondStep * second[i], combined[i], 1e-4);
        }
    }

    private static (float[] Principled, float[] Aligned) Combine(float firstStep, float[][] others, float[] steps, AlignmentMode mode)
    {
        var principled = new float[First.Length];
        var aligned = new float[First.Length];
        var scratch = new float[First.Length];
        AlignmentOperator.Apply(First, Without, firstStep, new PrincipleLogitRows(others, steps), mode, principled, aligned, scratch);
        return (principled, aligned);
    }

    /// <summary>d / |d| for d = log_softmax(with) − log_softmax(U), in double.</summary>
    private static double[] UnitDirection(float[] with)
    {
        var normalizers = LogSumExp(with) - LogSumExp(Without);
        var direction = with.Select((w, i) => w - (double)Without[i] - normalizers).ToArray();
        var norm = Math.Sqrt(direction.Sum(d => d * d));
        return [.. direction.Select(d => d / norm)];
    }

    private static double LogSumExp(float[] logits)
    {
        double max = logits.Max();
        return max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
    }
}
