namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>Logit rows drawn from a seeded generator, so that every run of a test sees the same ones.</summary>
internal static class RandomLogits
{
    /// <summary>
    /// Gaussian logits with standard deviation <paramref name="spread"/>, no two alike, also once divided by
    /// <paramref name="temperature"/> (which can round neighbours to one value): llama.cpp orders equal logits
    /// arbitrarily, so only distinct ones pin down which tokens it keeps and in what order.
    /// </summary>
    public static float[] Distinct(Random random, int vocabulary, float spread, float temperature = 1f)
    {
        var seen = new HashSet<float>(vocabulary);
        var logits = new float[vocabulary];
        for (var i = 0; i < vocabulary; i++)
        {
            do
            {
                logits[i] = spread * Gaussian(random);
            }
            while (!seen.Add(logits[i] / temperature));
        }
        return logits;
    }

    /// <summary>l_U for <paramref name="withPrinciple"/>: the same row moved by Gaussian noise of standard deviation 1.</summary>
    public static float[] Nearby(Random random, float[] withPrinciple) =>
        [.. withPrinciple.Select(logit => logit + Gaussian(random))];

    /// <summary>Box–Muller.</summary>
    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
