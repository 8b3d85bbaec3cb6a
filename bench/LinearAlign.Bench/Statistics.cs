namespace LinearAlign.Bench;

public static class Statistics
{
    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 50);

    /// <summary>
    /// The <paramref name="percent"/>th percentile, interpolating linearly between the two nearest ranks (numpy's
    /// default), so that p50 of an even count is the mean of the middle two and small samples still give distinct p90/p99.
    /// </summary>
    public static double Percentile(IReadOnlyCollection<double> values, double percent)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }
        var sorted = values.Order().ToArray();
        var rank = percent / 100 * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }

    /// <summary>Median, smallest and largest value of a sample.</summary>
    public static MedianRange Range(IReadOnlyCollection<double> values) => new(Median(values), values.Min(), values.Max());

    /// <summary>Median with the smallest and largest value, as "median (min–max)".</summary>
    public static string Spread(IReadOnlyCollection<double> values, string format) => Range(values).Format(format);
}

public sealed record MedianRange(double Median, double Min, double Max)
{
    public string Format(string format) => $"{Median.ToString(format)} ({Min.ToString(format)}–{Max.ToString(format)})";
}
