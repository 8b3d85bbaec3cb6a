using System.Globalization;
using System.Text;
using LinearAlign.Bench.Load;
using LinearAlign.Bench.Plot;

namespace LinearAlign.Bench.Compare;

/// <summary>A measure compared between the two servers, read from each run's report; null where a run has none.</summary>
public sealed record Metric(string Name, Func<LoadReport, double?> Value)
{
    public static Metric AggregateTokensPerSecond { get; } = new("aggregate tokens/s", r => r.AggregateTokensPerSecond);

    public static IReadOnlyList<Metric> All { get; } =
    [
        AggregateTokensPerSecond,
        new("TTFT p50 ms", r => r.TtftMs?.P50),
        new("TTFT p90 ms", r => r.TtftMs?.P90),
        new("TTFT follow-up turns p50 ms", r => r.FollowUpTurns?.TtftMs?.P50),
        new("TPOT p50 ms", r => r.TpotMs?.P50),
        new("request tokens/s p50", r => r.RequestTokensPerSecond?.P50),
        // Equal prompts must give equal counts; a differing count means the servers rendered the chat differently.
        new("prompt tokens (server's count, first turns)", r => r.FirstTurns.PromptTokensMedian),
        new("cached prompt tokens, follow-up turns", r => r.FollowUpTurns?.CachedTokensMedian),
    ];
}

/// <summary>One round of a workload: the order the sides ran in, and their reports (B's null for A-only workloads).</summary>
public sealed record RoundResult(int Round, string Order, LoadReport A, LoadReport? B);

/// <summary>
/// A metric over the rounds: each side's median, and the ratio A/B of each round (the two runs of a round ran back to
/// back, so drift of the machine cancels in it) with its median and range.
/// </summary>
public sealed record MetricComparison(string Metric, double? AMedian, double? BMedian, IReadOnlyList<double> Ratios, MedianRange? Ratio);

public sealed record WorkloadComparison(Workload Workload, IReadOnlyList<RoundResult> Rounds, IReadOnlyList<MetricComparison> Metrics)
{
    public int AFailed => Rounds.Sum(r => r.A.Failed);

    public int? BFailed => Workload.ASideOnly ? null : Rounds.Sum(r => r.B?.Failed ?? 0);

    /// <summary>The error messages of either side over all rounds, with how often each came.</summary>
    public IReadOnlyList<ErrorCount> Errors(bool sideA) => Rounds
        .SelectMany(r => (sideA ? r.A : r.B)?.Errors ?? [])
        .GroupBy(e => e.Message)
        .Select(g => new ErrorCount(g.Key, g.Sum(e => e.Count)))
        .ToList();

    public static WorkloadComparison Create(Workload workload, IReadOnlyList<RoundResult> rounds)
    {
        var metrics = new List<MetricComparison>();
        foreach (var metric in Metric.All)
        {
            var a = rounds.Select(r => metric.Value(r.A)).OfType<double>().ToList();
            var b = rounds.Select(r => r.B is null ? null : metric.Value(r.B)).OfType<double>().ToList();
            if (a.Count == 0 && b.Count == 0)
            {
                continue;
            }
            var ratios = rounds.Select(r => Ratio(metric.Value(r.A), r.B is null ? null : metric.Value(r.B))).OfType<double>().ToList();
            metrics.Add(new MetricComparison(metric.Name, MedianOrNull(a), MedianOrNull(b), ratios, ratios.Count > 0 ? Statistics.Range(ratios) : null));
        }
        return new WorkloadComparison(workload, rounds, metrics);
    }

    private static double? MedianOrNull(IReadOnlyCollection<double> values) => values.Count > 0 ? Statistics.Median(values) : null;

    private static double? Ratio(double? a, double? b) => a / b is { } ratio && double.IsFinite(ratio) ? ratio : null;
}

/// <summary>The same workloads against two servers, round after round; tables of ratios, the JSON, and the plot.</summary>
public sealed record ComparisonReport(
    string AName, string AUrl, string BName, string BUrl, int Rounds, DateTimeOffset StartedAt, IReadOnlyList<WorkloadComparison> Workloads)
{
    /// <summary>Readable tables, one per workload: each side's median and the per-round ratios A/B.</summary>
    public string Markdown()
    {
        var text = new StringBuilder();
        text.Append($"# {AName} ({AUrl}) vs {BName} ({BUrl}); rounds: {Rounds}\n");
        foreach (var comparison in Workloads)
        {
            var w = comparison.Workload;
            var shape = $"{w.Requests} requests" + (w.Turns > 1 ? $" of {w.Turns} turns" : "")
                + $", {w.Clients} concurrent, {w.PromptTokens} prompt tokens, {w.MaxTokens} max tokens" + (w.Aligned ? ", aligned" : "");
            var failed = $"failed requests: {AName} {comparison.AFailed}" + (comparison.BFailed is { } b ? $", {BName} {b}" : "");
            text.Append($"\n## {w.Name}: {shape}{(w.ASideOnly ? $" ({AName} only)" : "")}\n{failed}\n");
            foreach (var (sideA, name) in new[] { (true, AName), (false, BName) })
            {
                foreach (var error in comparison.Errors(sideA))
                {
                    text.Append($"- {name}, {error.Count}×: {error.Message.ReplaceLineEndings(" ")}\n");
                }
            }
            text.Append('\n');
            var rows = comparison.Metrics.Select(m => (IReadOnlyList<string>)
            [
                m.Metric,
                Number(m.AMedian),
                w.ASideOnly ? "–" : Number(m.BMedian),
                m.Ratios.Count > 0 ? string.Join(" ", m.Ratios.Select(r => r.ToString("F3", CultureInfo.InvariantCulture))) : "–",
                m.Ratio?.Format("F3") ?? "–",
            ]);
            text.Append(MarkdownTable.Render(["metric", $"{AName} (median)", $"{BName} (median)", $"{AName} / {BName} per round", "ratio median (min–max)"], rows));
        }
        return text.ToString();
    }

    /// <summary>Aggregate tokens/s against concurrency: one line per side and series (e.g. plain, aligned), at each side's median.</summary>
    public LineChart Chart()
    {
        var lines = new List<ChartSeries>();
        foreach (var (sideA, name) in new[] { (true, AName), (false, BName) })
        {
            var plotted = Workloads.Where(c => c.Workload.Series is not null && (sideA || !c.Workload.ASideOnly));
            foreach (var series in plotted.GroupBy(c => c.Workload.Series!))
            {
                var points = series
                    .Select(c => (c.Workload.Clients, Metric: c.Metrics.FirstOrDefault(m => m.Metric == Metric.AggregateTokensPerSecond.Name)))
                    .Select(p => (p.Clients, Value: sideA ? p.Metric?.AMedian : p.Metric?.BMedian))
                    .Where(p => p.Value is not null)
                    .Select(p => new ChartPoint(p.Clients, p.Value!.Value))
                    .ToList();
                lines.Add(new ChartSeries($"{name} {series.Key}", points));
            }
        }
        return new LineChart("Generated tokens/s vs concurrency", "concurrent streams", "generated tokens/s (all streams)", lines);
    }

    private static string Number(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "–";
}
