using System.Text.Json;
using LinearAlign.Bench.Compare;
using LinearAlign.Bench.Load;
using LinearAlign.Bench.Sweep;

namespace LinearAlign.Bench.Tests.Sweep;

public sealed class SweepReportTests
{
    private const double Mebibyte = 1024 * 1024;

    private static readonly BuiltInShape Shape = new(PromptTokens: 8, MaxTokens: 4, RequestsPerClient: 1, "Be kind", StepSize: 2);

    /// <summary>A run whose aggregate tokens/s is <paramref name="tokensPerSecond"/>: 4 tokens over a wall time that gives it.</summary>
    private static SweepRun Run(Workload workload, double tokensPerSecond, double? kvCells = null, double? deviceBytes = null)
    {
        var endMs = 4 / tokensPerSecond * 1000;
        return new SweepRun(
            Timings.Report(workload, Timings.Request(start: 0, first: endMs / 2, last: endMs - 1, tokens: 4)),
            new ServerUsage(kvCells, deviceBytes));
    }

    private static SweepPoint Point(int clients, double plainTokensPerSecond, double alignedTokensPerSecond) => new(
        clients,
        Run(BuiltInWorkloads.Plain(Shape, clients), plainTokensPerSecond),
        Run(BuiltInWorkloads.Aligned(Shape, clients), alignedTokensPerSecond));

    private static SweepReport Report(params SweepPoint[] points) => new("http://server", DateTimeOffset.UnixEpoch, points);

    [Fact]
    public void Each_concurrency_gives_a_plain_row_then_an_aligned_row_with_the_peaks_of_its_run()
    {
        var report = Report(
            new SweepPoint(1, Run(BuiltInWorkloads.Plain(Shape, 1), 100, kvCells: 600, deviceBytes: 2048 * Mebibyte), Run(BuiltInWorkloads.Aligned(Shape, 1), 96)),
            Point(8, 400, 380));

        Assert.Equal(["plain-c1", "aligned-c1", "plain-c8", "aligned-c8"], report.Rows.Select(r => r.Workload));
        Assert.Equal([1, 1, 8, 8], report.Rows.Select(r => r.Clients));
        var first = report.Rows[0];
        Assert.Equal((1, 0, 600.0, 2048.0), (first.Requests, first.Failed, first.PeakKvCellsUsed, first.PeakDeviceMemoryMebibytes));
        Assert.Equal(100, first.AggregateTokensPerSecond, 6);
        Assert.Equal((report.Points[0].Plain.Report.TtftMs!.P50, report.Points[0].Plain.Report.TtftMs!.P90), (first.TtftP50Ms, first.TtftP90Ms));
        Assert.Equal(report.Points[0].Plain.Report.TpotMs!.P50, first.TpotP50Ms);
        Assert.Equal((null, null), (report.Rows[1].PeakKvCellsUsed, report.Rows[1].PeakDeviceMemoryMebibytes));
    }

    [Fact]
    public void Aligned_over_plain_throughput_is_checked_at_concurrency_1_against_095_and_at_the_highest_against_09()
    {
        var report = Report(Point(1, 100, 96), Point(32, 400, 340), Point(8, 300, 290));

        Assert.Equal([1, 32], report.Checks.Select(c => c.Clients));
        Assert.Equal([0.96, 0.85], report.Checks.Select(c => Math.Round(c.Measured!.Value, 9)));
        Assert.Equal([0.95, 0.9], report.Checks.Select(c => c.Target));
        Assert.Equal([true, false], report.Checks.Select(c => c.Met));
    }

    [Fact]
    public void Without_concurrency_1_only_the_highest_is_checked()
    {
        var check = Assert.Single(Report(Point(4, 100, 95), Point(2, 100, 50)).Checks);

        Assert.Equal((4, SweepReport.HighestConcurrencyTarget, true), (check.Clients, check.Target, check.Met));
    }

    [Fact]
    public void A_plain_run_that_generated_nothing_gives_no_ratio_and_fails_its_check()
    {
        var plain = BuiltInWorkloads.Plain(Shape, 1);
        var failed = new SweepRun(Timings.Report(plain, Timings.Request(start: 0, first: 1, last: 2, tokens: 0, error: "HTTP 500: boom")), ServerUsage.None);

        var check = Assert.Single(Report(Point(1, 100, 100) with { Plain = failed }).Checks, c => c.Target == SweepReport.SingleStreamTarget);

        Assert.Null(check.Measured);
        Assert.False(check.Met);
    }

    [Fact]
    public void Alignments_cost_is_the_aligned_peak_less_the_plain_peak_beside_the_plain_peak()
    {
        var report = Report(new SweepPoint(2,
            Run(BuiltInWorkloads.Plain(Shape, 2), 100, kvCells: 600, deviceBytes: 2048 * Mebibyte),
            Run(BuiltInWorkloads.Aligned(Shape, 2), 90, kvCells: 1000, deviceBytes: 2304 * Mebibyte)));

        Assert.Equal(new AlignmentCost(2, PlainKvCells: 600, ExtraKvCells: 400, ExtraDeviceMemoryMebibytes: 256), Assert.Single(report.AlignmentCosts));
    }

    [Fact]
    public void Without_device_memory_the_cost_has_kv_cells_only()
    {
        var report = Report(new SweepPoint(1,
            Run(BuiltInWorkloads.Plain(Shape, 1), 100, kvCells: 600),
            Run(BuiltInWorkloads.Aligned(Shape, 1), 90, kvCells: 1000)));

        Assert.Equal(new AlignmentCost(1, 600, 400, null), Assert.Single(report.AlignmentCosts));
        Assert.Contains("| 1       | 600                 | 400                            | –                       |", report.Markdown());
    }

    [Fact]
    public void Failed_requests_of_plain_and_aligned_runs_are_counted_together()
    {
        var failing = Timings.Request(start: 0, first: 1, last: 2, tokens: 0, error: "HTTP 500: boom");
        var plain = new SweepRun(Timings.Report(BuiltInWorkloads.Plain(Shape, 1), failing), ServerUsage.None);
        var aligned = new SweepRun(Timings.Report(BuiltInWorkloads.Aligned(Shape, 1), failing, failing), ServerUsage.None);

        Assert.Equal(0, Report(Point(1, 100, 100)).FailedRequests);
        Assert.Equal(3, Report(Point(1, 100, 100), new SweepPoint(2, plain, aligned)).FailedRequests);
    }

    [Fact]
    public void The_markdown_has_a_row_per_run_the_checks_and_the_errors()
    {
        var failing = Timings.Request(start: 0, first: 1, last: 2, tokens: 0, error: "HTTP 500: boom");
        var report = Report(Point(1, 100, 96) with { Plain = new SweepRun(Timings.Report(BuiltInWorkloads.Plain(Shape, 1), failing), ServerUsage.None) });

        var markdown = report.Markdown();

        Assert.Contains("| aligned-c1 | 1       | 1        | 0      | 96.0 ", markdown);
        Assert.Contains("| aligned / plain aggregate tokens/s at concurrency 1 | –        | ≥ 0.95 | no  |", markdown);
        Assert.Contains("- plain-c1, 1×: HTTP 500: boom", markdown);
    }

    [Fact]
    public void The_json_holds_rows_checks_costs_and_every_run_report()
    {
        var report = Report(Point(1, 100, 96));

        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, BenchJson.Options)).RootElement;

        Assert.Equal("aligned-c1", json.GetProperty("rows")[1].GetProperty("workload").GetString());
        Assert.True(json.GetProperty("checks")[0].GetProperty("met").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("alignment_costs")[0].GetProperty("extra_device_memory_mebibytes").ValueKind);
        Assert.Equal(1, json.GetProperty("points")[0].GetProperty("plain").GetProperty("report").GetProperty("request_timings").GetArrayLength());
    }
}
