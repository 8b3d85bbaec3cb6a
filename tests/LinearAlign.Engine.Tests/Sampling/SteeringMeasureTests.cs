using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests.Sampling;

public sealed class SteeringMeasureTests
{
    private static readonly float[] Aligned = [2f, -1f, 0.5f, 3f, -4f, 1f, 0f];
    private static readonly float[] Principled = [1.5f, -0.5f, 0.25f, 2f, -3f, 1f, 0.5f];
    private static readonly float[] Without = [0.5f, 0f, 1f, 1f, -2f, 2f, 0.5f];

    [Fact]
    public void Divergences_are_the_kl_of_the_softmax_distributions()
    {
        using var measure = new SteeringMeasure(Aligned.Length);

        var measured = measure.Measure(Aligned, Principled, Without);

        Assert.Equal(Kl(Aligned, Principled), measured.KlAlignedPrincipled, 1e-5);
        Assert.Equal(Kl(Principled, Without), measured.KlPrincipledBase, 1e-5);
        Assert.Equal(Math.Sqrt(Aligned.Zip(Principled, (a, p) => (double)(a - p) * (a - p)).Sum()), measured.DirectionNorm, 1e-5);
    }

    [Fact]
    public void A_distribution_diverges_from_itself_by_zero_whatever_its_logits_offset()
    {
        using var measure = new SteeringMeasure(Aligned.Length);

        var measured = measure.Measure(Aligned, [.. Aligned.Select(logit => logit + 40f)], Without);

        Assert.Equal(0f, measured.KlAlignedPrincipled, 1e-5f);
    }

    [Fact]
    public void A_token_ruled_out_by_both_distributions_adds_nothing_rather_than_nan()
    {
        using var measure = new SteeringMeasure(3);

        var measured = measure.Measure([1f, float.NegativeInfinity, 0f], [0.5f, float.NegativeInfinity, 0f], [0f, 0f, 0f]);

        Assert.True(float.IsFinite(measured.KlAlignedPrincipled));
        Assert.Equal(Kl([1f, 0f], [0.5f, 0f]), measured.KlAlignedPrincipled, 1e-5);
    }

    private static double Kl(float[] p, float[] q)
    {
        var (lp, lq) = (LogSoftmax(p), LogSoftmax(q));
        return lp.Zip(lq, (a, b) => Math.Exp(a) * (a - b)).Sum();
    }

    private static double[] LogSoftmax(float[] logits)
    {
        double max = logits.Max();
        var normalizer = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        return [.. logits.Select(l => l - normalizer)];
    }
}
