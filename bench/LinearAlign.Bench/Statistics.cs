namespace LinearAlign.Bench;

public static class Statistics
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Median with the smallest and largest value, as "median (min–max)".</summary>
    public static string Spread(IReadOnlyCollection<double> values, string format) =>
        $"{Median(values).ToString(format)} ({values.Min().ToString(format)}–{values.Max().ToString(format)})";
}
