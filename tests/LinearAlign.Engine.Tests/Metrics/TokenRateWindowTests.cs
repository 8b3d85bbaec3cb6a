using System.Diagnostics;
using LinearAlign.Engine.Metrics;

namespace LinearAlign.Engine.Tests.Metrics;

public sealed class TokenRateWindowTests
{
    private static long AtSecond(double second) => (long)(second * Stopwatch.Frequency);

    [Fact]
    public void The_rate_is_the_mean_over_the_last_whole_seconds_leaving_out_the_current_one()
    {
        var window = new TokenRateWindow();
        window.Add(30, AtSecond(1000.5));
        window.Add(70, AtSecond(1009.2));
        window.Add(500, AtSecond(1010.1));

        Assert.Equal(10.0, window.PerSecond(AtSecond(1010.9)));
    }

    [Fact]
    public void Tokens_older_than_the_window_no_longer_count()
    {
        var window = new TokenRateWindow();
        window.Add(40, AtSecond(1000.5));
        window.Add(20, AtSecond(1005.5));

        Assert.Equal(2.0, window.PerSecond(AtSecond(1000.5 + TokenRateWindow.Seconds + 1)));
    }
}
