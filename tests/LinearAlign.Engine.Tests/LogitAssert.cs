namespace LinearAlign.Engine.Tests;

/// <summary>
/// Logits from differently shaped batches agree only to float rounding: ggml picks kernels by batch shape, and the
/// KV cache holds F16. That noise is about 1e-4 of the largest logit, and the update scales a difference of the two
/// contexts' logits by up to 1 + 2|s|.
/// </summary>
public static class LogitAssert
{
    public static void Close(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual, float stepSize)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var step = 0; step < expected.Count; step++)
        {
            var scale = Math.Max(1f, expected[step].Max(MathF.Abs));
            var tolerance = 2e-4f * scale * (1f + 2f * MathF.Abs(stepSize));
            var difference = expected[step].Zip(actual[step], (a, b) => MathF.Abs(a - b)).Max();
            Assert.True(difference <= tolerance, $"step {step}: logits differ by {difference} (tolerance {tolerance})");
        }
    }
}
