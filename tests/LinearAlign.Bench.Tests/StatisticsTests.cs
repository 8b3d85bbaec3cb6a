namespace LinearAlign.Bench.Tests;

public sealed class StatisticsTests
{
    private static readonly double[] OneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];

    [Theory]
    [InlineData(0, 1)]
    [InlineData(50, 5.5)]
    [InlineData(90, 9.1)]
    [InlineData(99, 9.91)]
    [InlineData(100, 10)]
    public void Percentiles_interpolate_between_ranks_as_numpy_does(double percent, double expected) =>
        Assert.Equal(expected, Statistics.Percentile(OneToTen, percent), 9);

    [Fact]
    public void The_median_of_an_odd_count_is_the_middle_value_and_of_one_value_that_value()
    {
        Assert.Equal(3, Statistics.Median([5, 1, 3]));
        Assert.Equal(7, Statistics.Percentile([7], 99));
    }

    [Fact]
    public void A_range_is_median_min_and_max_and_formats_as_median_with_the_spread()
    {
        var range = Statistics.Range([1.10, 0.95, 1.02]);

        Assert.Equal(new MedianRange(1.02, 0.95, 1.10), range);
        Assert.Equal("1.02 (0.95–1.10)", range.Format("F2"));
        Assert.Equal("1.02 (0.95–1.10)", Statistics.Spread([1.10, 0.95, 1.02], "F2"));
    }

    [Fact]
    public void No_values_have_no_percentile() =>
        Assert.Throws<ArgumentException>(() => Statistics.Percentile([], 50));
}
