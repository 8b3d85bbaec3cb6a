using System.Text.Json;
using LinearAlign.Bench.Compare;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class ComparisonReportTests
{
    private static readonly Workload Plain = new() { Name = "plain-c1", MaxTokens = 4, Series = "plain" };

    /// <summary>A report whose aggregate tokens/s is <paramref name="tokensPerSecond"/>: 4 tokens over a wall time that gives it.</summary>
    private static LoadReport Run(Workload workload, double tokensPerSecond)
    {
        var endMs = 4 / tokensPerSecond * 1000;
        return Timings.Report(workload, Timings.Request(start: 0, first: endMs / 2, last: endMs - 1, tokens: 4));
    }

    [Fact]
    public void Each_round_gives_a_ratio_and_the_ratios_their_median_and_range()
    {
        var comparison = WorkloadComparison.Create(Plain,
        [
            new RoundResult(1, "AB", Run(Plain, 110), Run(Plain, 100)),
            new RoundResult(2, "BA", Run(Plain, 90), Run(Plain, 100)),
            new RoundResult(3, "AB", Run(Plain, 120), Run(Plain, 100)),
        ]);

        var throughput = comparison.Metrics.Single(m => m.Metric == Metric.AggregateTokensPerSecond.Name);
        Assert.Equal([1.1, 0.9, 1.2], throughput.Ratios.Select(r => Math.Round(r, 9)));
        Assert.Equal(1.1, throughput.Ratio!.Median, 9);
        Assert.Equal(0.9, throughput.Ratio.Min, 9);
        Assert.Equal(1.2, throughput.Ratio.Max, 9);
        Assert.Equal(110, throughput.AMedian!.Value, 6);
        Assert.Equal(100, throughput.BMedian!.Value, 6);
        Assert.DoesNotContain(comparison.Metrics, m => m.Metric.Contains("follow-up"));
    }

    [Fact]
    public void A_workload_only_side_A_runs_has_its_values_and_no_ratios()
    {
        var aligned = Plain with { Name = "aligned-c1", ASideOnly = true, Series = "aligned" };

        var comparison = WorkloadComparison.Create(aligned, [new RoundResult(1, "AB", Run(aligned, 50), null)]);

        Assert.All(comparison.Metrics, m => Assert.Empty(m.Ratios));
        Assert.All(comparison.Metrics, m => Assert.Null(m.BMedian));
        Assert.Null(comparison.BFailed);
        Assert.Equal(50, comparison.Metrics[0].AMedian!.Value, 6);
    }

    [Fact]
    public void The_chart_has_a_line_per_side_and_series_and_B_none_for_what_only_A_runs()
    {
        var plain2 = Plain with { Name = "plain-c2", Clients = 2 };
        var aligned = Plain with { Name = "aligned-c1", ASideOnly = true, Series = "aligned" };
        var turns = Plain with { Name = "turns-3", Turns = 3, Series = null };
        var report = new ComparisonReport("ours", "http://a", "llama-server", "http://b", 1, DateTimeOffset.UnixEpoch,
        [
            WorkloadComparison.Create(Plain, [new RoundResult(1, "AB", Run(Plain, 100), Run(Plain, 90))]),
            WorkloadComparison.Create(plain2, [new RoundResult(1, "AB", Run(plain2, 180), Run(plain2, 150))]),
            WorkloadComparison.Create(aligned, [new RoundResult(1, "AB", Run(aligned, 60), null)]),
            WorkloadComparison.Create(turns, [new RoundResult(1, "AB", Run(turns, 100), Run(turns, 100))]),
        ]);

        var chart = report.Chart();

        Assert.Equal(["ours plain", "ours aligned", "llama-server plain"], chart.Series.Select(s => s.Name));
        Assert.Equal([1.0, 2.0], chart.Series[0].Points.Select(p => p.X));
        Assert.Equal(150, chart.Series[2].Points[1].Y, 6);
        Assert.Contains("| aggregate tokens/s", report.Markdown());
        Assert.Contains("## aligned-c1", report.Markdown());
    }

    [Fact]
    public void The_json_holds_metrics_and_every_round_report()
    {
        var report = new ComparisonReport("ours", "http://a", "llama-server", "http://b", 1, DateTimeOffset.UnixEpoch,
            [WorkloadComparison.Create(Plain, [new RoundResult(1, "AB", Run(Plain, 100), Run(Plain, 50))])]);

        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, BenchJson.Options)).RootElement;

        var workload = json.GetProperty("workloads")[0];
        Assert.Equal("plain-c1", workload.GetProperty("workload").GetProperty("name").GetString());
        Assert.Equal(2, workload.GetProperty("metrics")[0].GetProperty("ratio").GetProperty("median").GetDouble(), 6);
        Assert.Equal("AB", workload.GetProperty("rounds")[0].GetProperty("order").GetString());
        Assert.Equal(1, workload.GetProperty("rounds")[0].GetProperty("b").GetProperty("request_timings").GetArrayLength());
    }

    [Fact]
    public void The_built_in_set_sweeps_plain_and_aligned_and_only_side_A_runs_aligned()
    {
        var workloads = BuiltInWorkloads.Create(64, 16, 2, BuiltInWorkloads.Principle, 2);

        Assert.Equal(["plain-c1", "turns-3", "plain-c2", "plain-c4", "plain-c8", "aligned-c1", "aligned-c2", "aligned-c4", "aligned-c8"], workloads.Select(w => w.Name));
        Assert.All(workloads, w => Assert.Null(w.Problem()));
        Assert.All(workloads, w => Assert.Equal(w.Aligned, w.ASideOnly));
        Assert.Equal(8, workloads.Single(w => w.Name == "plain-c4").Requests);
        Assert.Equal(3, workloads.Single(w => w.Name == "turns-3").Turns);
        Assert.All(workloads, w => Assert.Equal((64, 16), (w.PromptTokens, w.MaxTokens)));
    }
}
