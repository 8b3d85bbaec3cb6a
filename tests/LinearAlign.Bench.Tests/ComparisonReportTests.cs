using System.Text.Json;
using LinearAlign.Bench.Compare;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class ComparisonReportTests
{
    private static readonly Workload Plain = new() { Name = "plain-c1", Request = new() { MaxTokens = 4 }, Series = "plain" };

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
        var workloads = BuiltInWorkloads.Create(new BuiltInShape(64, 16, 2, BuiltInWorkloads.Principle, 2));

        Assert.Equal(
        [
            "plain-c1", "turns-3", "plain-c2", "plain-c4", "plain-c8", "aligned-c1", "aligned-c2", "aligned-c4", "aligned-c8",
            "chat-open-c4", "chat-open-c8", "short-beside-open", "short-beside-aligned",
        ], workloads.Select(w => w.Name));
        Assert.All(workloads, w => Assert.Null(w.Problem()));
        Assert.All(workloads, w => Assert.Equal(w.Aligned, w.ASideOnly));
        Assert.Equal(8, workloads.Single(w => w.Name == "plain-c4").Requests);
        Assert.Equal(3, workloads.Single(w => w.Name == "turns-3").Turns);
        Assert.All(workloads.Where(w => w.Request.Decoding == Decoding.FixedLength && w.Background is null),
            w => Assert.Equal((64, 16), (w.Request.PromptTokens, w.Request.MaxTokens)));
    }

    [Fact]
    public void Open_ended_chats_are_sampled_without_max_tokens_on_both_sides()
    {
        var open = BuiltInWorkloads.Create(new BuiltInShape(64, 16, 2, BuiltInWorkloads.Principle, 2)).Where(w => w.Name.StartsWith("chat-open", StringComparison.Ordinal)).ToList();

        Assert.Equal([4, 8], open.Select(w => w.Clients));
        Assert.All(open, w => Assert.Equal((64, null, Decoding.Sampled, false), (w.Request.PromptTokens, w.Request.MaxTokens, w.Request.Decoding, w.ASideOnly)));
    }

    [Fact]
    public void Short_chats_run_beside_open_ended_clients_plain_or_aligned()
    {
        var workloads = BuiltInWorkloads.Create(new BuiltInShape(64, 16, 2, "Be kind", 2));
        var beside = workloads.Single(w => w.Name == "short-beside-open");
        var besideAligned = workloads.Single(w => w.Name == "short-beside-aligned");

        Assert.Equal(BuiltInWorkloads.ShortChat, beside.Request);
        Assert.Equal((1, 8), (beside.Clients, beside.Requests));
        Assert.Equal(BuiltInWorkloads.BackgroundClients, beside.Background!.Clients);
        Assert.Equal((64, null, Decoding.Sampled), (beside.Background.Request.PromptTokens, beside.Background.Request.MaxTokens, beside.Background.Request.Decoding));
        Assert.Null(beside.Background.Request.Principle);
        Assert.Equal(beside.Background.Request with { Principle = "Be kind", StepSize = 2 }, besideAligned.Background!.Request);
    }

    [Fact]
    public void Sampled_workloads_compare_reply_lengths_and_fixed_length_ones_do_not()
    {
        var sampled = Plain with { Request = new() { MaxTokens = null, Decoding = Decoding.Sampled } };

        var lengths = WorkloadComparison.Create(sampled, [new RoundResult(1, "AB", Run(sampled, 100), Run(sampled, 100))])
            .Metrics.Single(m => m.Metric == "completion tokens per request p50");

        Assert.Equal((4.0, 4.0), (lengths.AMedian, lengths.BMedian));
        Assert.DoesNotContain(WorkloadComparison.Create(Plain, [new RoundResult(1, "AB", Run(Plain, 100), Run(Plain, 100))]).Metrics,
            m => m.Metric == "completion tokens per request p50");
    }

    [Fact]
    public void A_workload_with_a_background_compares_the_background_apart()
    {
        var mixed = Plain with { Background = new BackgroundLoad { Clients = 3 } };
        LoadReport Mixed(double backgroundTtft) => Timings.Report(mixed, [Timings.Request(start: 0, first: 10, last: 13, tokens: 4)],
            [Timings.Request(start: 0, first: backgroundTtft, last: backgroundTtft + 30, tokens: 4)]);

        var comparison = WorkloadComparison.Create(mixed, [new RoundResult(1, "AB", Mixed(300), Mixed(200))]);

        Assert.Equal(1.5, comparison.Metrics.Single(m => m.Metric == "background TTFT p50 ms").Ratio!.Median, 9);
        Assert.Equal(1.0, comparison.Metrics.Single(m => m.Metric == "TTFT p50 ms").Ratio!.Median, 9);
    }

    [Fact]
    public void The_aligned_step_check_takes_each_rounds_aligned_over_plain_decode_rate_against_095_over_R()
    {
        var aligned = Plain with { Name = "aligned-c1", ASideOnly = true };
        // TPOT p50: plain 10 ms; aligned 25 and 20 ms in two rounds, so aligned runs at 0.4 and 0.5 of plain.
        var plain = WorkloadComparison.Create(Plain,
        [
            new RoundResult(1, "AB", Timings.Report(Plain, Timings.Request(start: 0, first: 0, last: 30, tokens: 4)), null),
            new RoundResult(2, "BA", Timings.Report(Plain, Timings.Request(start: 0, first: 0, last: 30, tokens: 4)), null),
        ]);
        var alignedRuns = WorkloadComparison.Create(aligned,
        [
            new RoundResult(1, "AB", Timings.Report(aligned, Timings.Request(start: 0, first: 0, last: 75, tokens: 4)), null),
            new RoundResult(2, "BA", Timings.Report(aligned, Timings.Request(start: 0, first: 0, last: 60, tokens: 4)), null),
        ]);

        var check = AlignedStepCheck.Create(new TwoSequenceStepCost(500, 128, OneSequenceStepMs: 10, TwoSequenceStepMs: 21), plain, alignedRuns);

        Assert.Equal([0.4, 0.5], check.AlignedOverPlain.Select(r => Math.Round(r, 9)));
        Assert.Equal(0.45, check.Ratio.Median, 9);
        Assert.Equal(0.95 / 2.1, check.Target, 9);
        Assert.False(check.Met);
    }

    [Fact]
    public void The_markdown_reports_the_aligned_step_check_where_the_run_has_one()
    {
        var runs = WorkloadComparison.Create(Plain, [new RoundResult(1, "AB", Run(Plain, 100), null)]);
        var check = AlignedStepCheck.Create(new TwoSequenceStepCost(500, 128, 10, 20), runs, runs);

        var report = new ComparisonReport("ours", "http://a", "llama-server", "http://b", 1, DateTimeOffset.UnixEpoch, [runs], check);

        Assert.Contains("| R = 2-sequence step / 1-sequence step", report.Markdown());
        Assert.Contains("0.475: met", report.Markdown());
    }
}
