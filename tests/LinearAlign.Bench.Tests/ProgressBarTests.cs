using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class ProgressBarTests
{
    [Fact]
    public void The_line_shows_the_share_done_the_time_and_the_token_rate() =>
        Assert.Equal("ours plain-c4 [###############---------------] 4/8  2.0 s  150.0 tok/s",
            ProgressBar.Render("ours plain-c4", 4, 8, TimeSpan.FromSeconds(2), 300));

    [Fact]
    public void At_the_start_the_bar_is_empty_and_the_rate_zero() =>
        Assert.Equal("x [------------------------------] 0/3  0.0 s  0.0 tok/s", ProgressBar.Render("x", 0, 3, TimeSpan.Zero, 0));
}
