using System.Globalization;
using System.Text;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Sweep;

/// <summary>One run of the sweep: what the load generator measured, and the server's peak usage meanwhile.</summary>
public sealed record SweepRun(LoadReport Report, ServerUsage Peak);

/// <summary>The plain run and the aligned run at one concurrency, which ran back to back.</summary>
public sealed record SweepPoint(int Clients, SweepRun Plain, SweepRun Aligned);

/// <summary>One run in the numbers of the sweep's table.</summary>
public sealed record SweepRow(
    string Workload, int Clients, int Requests, int Failed, double AggregateTokensPerSecond,
    double? TtftP50Ms, double? TtftP90Ms, double? TpotP50Ms, double? PeakKvCellsUsed, double? PeakDeviceMemoryMebibytes)
{
    public static SweepRow Of(SweepRun run)
    {
        var report = run.Report;
        return new SweepRow(
            report.Workload.Name, report.Workload.Clients, report.Requests, report.Failed, report.AggregateTokensPerSecond,
            report.TtftMs?.P50, report.TtftMs?.P90, report.TpotMs?.P50, run.Peak.KvCellsUsed, SweepReport.Mebibytes(run.Peak.DeviceMemoryUsedBytes));
    }
}

/// <summary>Aligned over plain aggregate tokens/s at one concurrency, against a target; not met where plain generated nothing.</summary>
public sealed record ThroughputCheck(string Name, int Clients, double? Measured, double Target)
{
    public bool Met => Measured >= Target;
}

/// <summary>
/// What alignment costs the server at one concurrency, in the peaks during its runs: extra = aligned − plain. The
/// second sequence U of an aligned request should take about the cells of the plain request, less what W and U share.
/// </summary>
public sealed record AlignmentCost(int Clients, double? PlainKvCells, double? ExtraKvCells, double? ExtraDeviceMemoryMebibytes);

/// <summary>One server, plain then aligned at each concurrency: a row per run, aligned/plain throughput checks, and alignment's memory cost.</summary>
public sealed record SweepReport(string Url, DateTimeOffset StartedAt, IReadOnlyList<SweepPoint> Points)
{
    /// <summary>A single aligned stream steps W and U together; on a memory-bound decode that costs about one plain step.</summary>
    public const double SingleStreamTarget = 0.95;

    /// <summary>At the highest concurrency the aligned batch holds twice the sequences, nearer the compute bound, so a little more is allowed.</summary>
    public const double HighestConcurrencyTarget = 0.9;

    public IReadOnlyList<SweepRow> Rows => Points.SelectMany(p => new[] { SweepRow.Of(p.Plain), SweepRow.Of(p.Aligned) }).ToList();

    /// <summary>At concurrency 1 where the sweep ran it, and at the highest concurrency it ran.</summary>
    public IReadOnlyList<ThroughputCheck> Checks
    {
        get
        {
            var checks = Points.Where(p => p.Clients == 1).Select(p => Check(p, SingleStreamTarget)).ToList();
            if (Points.MaxBy(p => p.Clients) is { } highest)
            {
                checks.Add(Check(highest, HighestConcurrencyTarget));
            }
            return checks;
        }
    }

    public IReadOnlyList<AlignmentCost> AlignmentCosts => Points.Select(p => new AlignmentCost(
        p.Clients,
        p.Plain.Peak.KvCellsUsed,
        p.Aligned.Peak.KvCellsUsed - p.Plain.Peak.KvCellsUsed,
        Mebibytes(p.Aligned.Peak.DeviceMemoryUsedBytes - p.Plain.Peak.DeviceMemoryUsedBytes))).ToList();

    public int FailedRequests => Points.Sum(p => p.Plain.Report.Failed + p.Aligned.Report.Failed);

    public static double? Mebibytes(double? bytes) => bytes / (1024 * 1024);

    public string Markdown()
    {
        var text = new StringBuilder();
        text.Append($"# Plain and aligned at concurrency {string.Join(", ", Points.Select(p => p.Clients))} against {Url}\n");
        text.Append($"aligned runs: {Points[0].Aligned.Report.Workload.Request.Describe()}; plain runs the same without the principle.\n");
        foreach (var run in Points.SelectMany(p => new[] { p.Plain.Report, p.Aligned.Report }))
        {
            foreach (var error in run.Errors)
            {
                text.Append($"- {run.Workload.Name}, {error.Count}×: {error.Message.ReplaceLineEndings(" ")}\n");
            }
        }
        text.Append('\n');
        text.Append(MarkdownTable.Render(
            ["workload", "clients", "requests", "failed", "aggregate tokens/s", "TTFT p50 ms", "TTFT p90 ms", "TPOT p50 ms", "peak KV cells used", "peak device memory MiB"],
            Rows.Select(r => (IReadOnlyList<string>)
            [
                r.Workload, Integer(r.Clients), Integer(r.Requests), Integer(r.Failed), Number(r.AggregateTokensPerSecond),
                Number(r.TtftP50Ms), Number(r.TtftP90Ms), Number(r.TpotP50Ms), Number(r.PeakKvCellsUsed, "F0"), Number(r.PeakDeviceMemoryMebibytes, "F0"),
            ])));

        text.Append("\n## Checks\n\n");
        text.Append(MarkdownTable.Render(["check", "measured", "target", "met"], Checks.Select(c => (IReadOnlyList<string>)
        [
            c.Name, Number(c.Measured, "F3"), $"≥ {c.Target.ToString(CultureInfo.InvariantCulture)}", c.Met ? "yes" : "no",
        ])));

        text.Append("\n## Alignment's cost in server memory\n");
        text.Append("Peaks over each run, extra = aligned − plain: alignment's second sequence should take about the plain request's KV cells, less what W and U share.\n\n");
        text.Append(MarkdownTable.Render(["clients", "plain peak KV cells", "extra KV cells under alignment", "extra device memory MiB"], AlignmentCosts.Select(c => (IReadOnlyList<string>)
        [
            Integer(c.Clients), Number(c.PlainKvCells, "F0"), Number(c.ExtraKvCells, "F0"), Number(c.ExtraDeviceMemoryMebibytes, "F0"),
        ])));
        return text.ToString();
    }

    private static ThroughputCheck Check(SweepPoint point, double target)
    {
        var ratio = point.Aligned.Report.AggregateTokensPerSecond / point.Plain.Report.AggregateTokensPerSecond;
        return new ThroughputCheck(
            $"aligned / plain aggregate tokens/s at concurrency {point.Clients}", point.Clients, double.IsFinite(ratio) ? ratio : null, target);
    }

    private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? value, string format = "F1") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
