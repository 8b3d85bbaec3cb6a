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
        // Sampled replies end where the model ends its turn: equal seeds should give both servers about equal lengths.
        new("completion tokens per request p50", r => r.Workload.Request.Decoding == Decoding.Sampled ? r.CompletionTokensPerRequest?.P50 : null),
        new("background TTFT p50 ms", r => r.Background?.TtftMs?.P50),
        new("background TPOT p50 ms", r => r.Background?.TpotMs?.P50),
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
    /// <summary>Failed requests of side A over all rounds, background ones included.</summary>
    public int AFailed => Rounds.Sum(r => Failed(r.A));

    public int? BFailed => Workload.ASideOnly ? null : Rounds.Sum(r => r.B is null ? 0 : Failed(r.B));

    /// <summary>The error messages of either side over all rounds, background ones included, with how often each came.</summary>
    public IReadOnlyList<ErrorCount> Errors(bool sideA) => Rounds
        .Select(r => sideA ? r.A : r.B)
        .OfType<LoadReport>()
        .SelectMany(report => report.Errors.Concat(report.Background?.Errors ?? []))
        .GroupBy(e => e.Message)
        .Select(g => new ErrorCount(g.Key, g.Sum(e => e.Count)))
        .ToList();

    private static int Failed(LoadReport report) => report.Failed + (report.Background?.Failed ?? 0);

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

/// <summary>
/// Side A's aligned decoding against what the hardware allows, from one run: a two-sequence step costs
/// <see cref="TwoSequenceStepCost.Ratio"/> (R) times a one-sequence step in llama-batched-bench, so aligned decoding
/// (one two-sequence step per token) runs at best at 1/R of plain; the target is <see cref="Efficiency"/> / R. Each
/// round's ratio is the aligned single stream's decode rate over the plain one's (TPOT p50 plain / aligned).
/// </summary>
/// <param name="PlainTpotMs">Median over the rounds of the plain single stream's TPOT p50: its decode step.</param>
/// <param name="AlignedTpotMs">The same for the aligned single stream, whose step carries W and U.</param>
public sealed record AlignedStepCheck(
    TwoSequenceStepCost StepCost, IReadOnlyList<double> AlignedOverPlain, MedianRange Ratio, double PlainTpotMs, double AlignedTpotMs)
{
    /// <summary>The share of the two-sequence bound an aligned stream must reach (issue 14).</summary>
    public const double Efficiency = 0.95;

    public double Target => Efficiency / StepCost.Ratio;

    public bool Met => Ratio.Median >= Target;

    public static AlignedStepCheck Create(TwoSequenceStepCost stepCost, WorkloadComparison plain, WorkloadComparison aligned)
    {
        var ratios = plain.Rounds.Zip(aligned.Rounds, (p, a) => p.A.TpotMs?.P50 / a.A.TpotMs?.P50).OfType<double>().ToList();
        return ratios.Count == 0
            ? throw new InvalidOperationException($"{plain.Workload.Name} and {aligned.Workload.Name} have no decode times to compare")
            : new AlignedStepCheck(stepCost, ratios, Statistics.Range(ratios), Tpot(plain), Tpot(aligned));

        static double Tpot(WorkloadComparison comparison) =>
            Statistics.Median([.. comparison.Rounds.Select(round => round.A.TpotMs?.P50).OfType<double>()]);
    }
}

/// <summary>The same workloads against two servers, round after round; tables of ratios, the JSON, and the plot.</summary>
/// <param name="AlignedStep">Where the run was given llama-batched-bench's step costs.</param>
public sealed record ComparisonReport(
    string AName, string AUrl, string BName, string BUrl, int Rounds, DateTimeOffset StartedAt, IReadOnlyList<WorkloadComparison> Workloads,
    AlignedStepCheck? AlignedStep = null)
{
    /// <summary>Readable tables, one per workload: each side's median and the per-round ratios A/B.</summary>
    public string Markdown()
    {
        var text = new StringBuilder();
        text.Append($"# {AName} ({AUrl}) vs {BName} ({BUrl}); rounds: {Rounds}\n");
        foreach (var comparison in Workloads)
        {
            var w = comparison.Workload;
            var failed = $"failed requests: {AName} {comparison.AFailed}" + (comparison.BFailed is { } b ? $", {BName} {b}" : "");
            text.Append($"\n## {w.Name}: {w.Describe()}{(w.ASideOnly ? $" ({AName} only)" : "")}\n{failed}\n");
            if (!w.ASideOnly && (w.Aligned || w.Background?.Request.Aligned == true))
            {
                text.Append($"{BName} is sent the principle too; a server without the alignment extension decodes those requests plain.\n");
            }
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
        if (AlignedStep is { } check)
        {
            text.Append(AlignedStepMarkdown(check));
        }
        return text.ToString();
    }

    private string AlignedStepMarkdown(AlignedStepCheck check)
    {
        var cost = check.StepCost;
        string F3(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
        string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "llama-batched-bench text-generation step, 1 sequence (ms)", F2(cost.OneSequenceStepMs) },
            new[] { "llama-batched-bench text-generation step, 2 sequences (ms)", F2(cost.TwoSequenceStepMs) },
            new[] { "R = 2-sequence step / 1-sequence step", F3(cost.Ratio) },
            new[] { $"{AName} plain decode step: TPOT p50 (ms)", F2(check.PlainTpotMs) },
            new[] { $"{AName} aligned decode step: TPOT p50 (ms)", F2(check.AlignedTpotMs) },
            new[] { $"{AName} aligned step / llama-batched-bench 2-sequence step", F3(check.AlignedTpotMs / cost.TwoSequenceStepMs) },
            new[] { $"{AName} aligned / plain decode rate per round", string.Join(" ", check.AlignedOverPlain.Select(F3)) },
            new[] { $"{AName} aligned / plain decode rate, median (min–max)", check.Ratio.Format("F3") },
            new[] { $"target ≥ {AlignedStepCheck.Efficiency.ToString(CultureInfo.InvariantCulture)} / R", $"{F3(check.Target)}: {(check.Met ? "met" : "not met")}" },
        };
        return $"\n## Aligned decoding against llama-batched-bench's two-sequence step\n"
            + $"llama-batched-bench -npl 1,2 with {cost.PromptTokens} prompt tokens and {cost.GeneratedTokens} generated per sequence, "
            + $"median of {cost.Runs} run{(cost.Runs == 1 ? "" : "s")}; "
            + $"aligned / plain for {AName}: TPOT p50 of {BuiltInWorkloads.PlainSingleStream} over that of {BuiltInWorkloads.AlignedSingleStream}, each round.\n\n"
            + MarkdownTable.Render(["measure", "value"], rows);
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
