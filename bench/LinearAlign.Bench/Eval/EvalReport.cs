using System.Globalization;
using System.Text;
using LinearAlign.Bench.Plot;

namespace LinearAlign.Bench.Eval;

public enum EvalCondition
{
    /// <summary>The dialog without the principle.</summary>
    Base,

    /// <summary>The principle in the system message, decoded plainly.</summary>
    PromptOnly,

    /// <summary>Linear alignment at a step size.</summary>
    Aligned,
}

/// <summary>One reply as generated and scored.</summary>
/// <param name="StepSize">The step size of an aligned reply; null for base and prompt-only.</param>
/// <param name="Scored">
/// False for the base and prompt-only replies that a greedy run gets again with every step size: the same reply would
/// count once per step and shrink its standard error for nothing. Such replies are still judged against the aligned
/// reply of their own request.
/// </param>
public sealed record EvalReply(
    string Case, string Group, EvalCondition Condition, double? StepSize, int Sample, long Seed, bool Scored, string Text,
    IReadOnlyDictionary<string, bool> Scores);

/// <summary>The share of replies that score on a metric, with its binomial standard error √(p(1−p)/n); null when nothing was scored.</summary>
public sealed record MetricRate(string Metric, int Hits, int Count)
{
    public double? Rate => Count == 0 ? null : (double)Hits / Count;

    public double? StandardError => Rate is { } p ? Math.Sqrt(p * (1 - p) / Count) : null;

    public static MetricRate Of(string metric, IReadOnlyCollection<EvalReply> replies) =>
        new(metric, replies.Count(r => r.Scores[metric]), replies.Count);

    /// <summary>"62.5% ± 5.4 (25/40)", or "absent" when there were no replies.</summary>
    public string Format() => Rate is { } rate
        ? string.Create(CultureInfo.InvariantCulture, $"{rate * 100:F1}% ± {StandardError * 100:F1} ({Hits}/{Count})")
        : "absent";
}

public sealed record GroupScores(string Group, int Replies, IReadOnlyList<MetricRate> Metrics);

/// <summary>One condition's scores: base, prompt-only, or aligned at one step size.</summary>
public sealed record ConditionScores(
    EvalCondition Condition, double? StepSize, int Replies, IReadOnlyList<MetricRate> Metrics, IReadOnlyList<GroupScores> Groups)
{
    public MetricRate Metric(string name) =>
        Metrics.FirstOrDefault(m => m.Metric == name) ?? throw new KeyNotFoundException($"no metric '{name}' in this report");

    public string Label => Condition switch
    {
        EvalCondition.Base => "base",
        EvalCondition.PromptOnly => "prompt-only",
        _ => "aligned",
    };
}

/// <summary>How often the judge preferred <see cref="First"/>'s reply to <see cref="Second"/>'s of the same request.</summary>
/// <param name="Invalid">Judge replies without a verdict.</param>
/// <param name="Failed">Judge requests that failed.</param>
public sealed record JudgeComparison(
    EvalCondition First, double? FirstStep, EvalCondition Second, int Wins, int Ties, int Losses, int Invalid, int Failed)
{
    public int Judged => Wins + Ties + Losses;

    public double? WinRate => Judged == 0 ? null : (double)Wins / Judged;

    public double? TieRate => Judged == 0 ? null : (double)Ties / Judged;

    public double? LossRate => Judged == 0 ? null : (double)Losses / Judged;

    public string Name => $"{Describe(First, FirstStep)} vs {Describe(Second, null)}";

    private static string Describe(EvalCondition condition, double? step) => condition switch
    {
        EvalCondition.Base => "base",
        EvalCondition.PromptOnly => "prompt-only",
        _ => string.Create(CultureInfo.InvariantCulture, $"aligned@{step}"),
    };
}

public sealed record JudgeReport(string? Model, IReadOnlyList<JudgeComparison> Comparisons);

public sealed record ErrorCount(string Message, int Count);

/// <summary>
/// What <c>bench eval</c> measured: per condition (base, prompt-only, aligned at each step size) the rate of every
/// metric overall and per group (principle or preference domain), the judge's pairwise comparisons, and every reply.
/// On a server without alignment_compare the aligned conditions are listed with no replies.
/// </summary>
public sealed record EvalReport(
    string? Model,
    ServerKind Server,
    EvalSource Source,
    int Prompts,
    int Samples,
    IReadOnlyList<double> Steps,
    double Temperature,
    double TopP,
    int MaxTokens,
    long Seed,
    int Requests,
    int Failed,
    IReadOnlyList<ErrorCount> Errors,
    IReadOnlyList<string> Metrics,
    IReadOnlyList<ConditionScores> Conditions,
    JudgeReport? Judge,
    IReadOnlyList<EvalReply> Replies)
{
    /// <summary>Base or prompt-only (no step), or aligned at <paramref name="step"/>.</summary>
    public ConditionScores Condition(EvalCondition condition, double? step = null) =>
        Conditions.FirstOrDefault(c => c.Condition == condition && c.StepSize == (condition == EvalCondition.Aligned ? step : null))
        ?? throw new KeyNotFoundException($"no condition {condition} at step {step} in this report");

    /// <summary>The conditions in report order: base, prompt-only, then aligned at each step size; each scored over its scored replies.</summary>
    public static IReadOnlyList<ConditionScores> Score(IReadOnlyList<EvalReply> replies, IReadOnlyList<string> metrics, IReadOnlyList<double> steps)
    {
        var groups = replies.Select(r => r.Group).Distinct().ToList();
        ConditionScores Of(EvalCondition condition, double? step)
        {
            var chosen = replies.Where(r => r.Scored && r.Condition == condition && r.StepSize == step).ToList();
            return new ConditionScores(condition, step, chosen.Count,
                metrics.Select(m => MetricRate.Of(m, chosen)).ToList(),
                groups.Select(group =>
                {
                    var inGroup = chosen.Where(r => r.Group == group).ToList();
                    return new GroupScores(group, inGroup.Count, metrics.Select(m => MetricRate.Of(m, inGroup)).ToList());
                }).ToList());
        }
        return [Of(EvalCondition.Base, null), Of(EvalCondition.PromptOnly, null), .. steps.Distinct().Select(s => Of(EvalCondition.Aligned, s))];
    }

    public string Title() => string.Create(CultureInfo.InvariantCulture,
        $"bench eval: {Model ?? "the server's model"} on {(Server == ServerKind.Ours ? "our" : "an OpenAI-compatible")} server; {Source.ToString().ToLowerInvariant()}: {Prompts} prompts × {Samples} samples; step sizes {string.Join(", ", Steps)}; temperature {Temperature}, top_p {TopP}, max_tokens {MaxTokens}, seed {Seed}");

    /// <summary>The title, the conditions, the same per group, the judge's comparisons and the errors, as Markdown.</summary>
    public string Markdown()
    {
        var text = new StringBuilder().Append("## ").Append(Title()).Append("\n\n");
        text.Append(MarkdownTable.Render(["condition", "step", "replies", .. Metrics],
            Conditions.Select(c => (IReadOnlyList<string>)[c.Label, Step(c), Number(c.Replies), .. c.Metrics.Select(m => m.Format())])));
        if (Metrics.Count > 0)
        {
            var groupNoun = Source == EvalSource.Preference ? "domain" : "principle";
            text.Append($"\nBy {groupNoun}:\n\n").Append(MarkdownTable.Render([groupNoun, "condition", "step", "replies", .. Metrics],
                Conditions[0].Groups.SelectMany((_, g) => Conditions.Select(c => (IReadOnlyList<string>)
                    [c.Groups[g].Group, c.Label, Step(c), Number(c.Groups[g].Replies), .. c.Groups[g].Metrics.Select(m => m.Format())]))));
        }
        if (Judge is not null)
        {
            text.Append($"\nJudged by {Judge.Model ?? "the judge's model"} (answer order randomized):\n\n").Append(MarkdownTable.Render(
                ["comparison", "judged", "win", "tie", "lose", "no verdict", "failed"],
                Judge.Comparisons.Select(c => (IReadOnlyList<string>)
                    [c.Name, c.Judged.ToString(CultureInfo.InvariantCulture), Percent(c.WinRate), Percent(c.TieRate), Percent(c.LossRate),
                     c.Invalid.ToString(CultureInfo.InvariantCulture), c.Failed.ToString(CultureInfo.InvariantCulture)])));
        }
        if (Server == ServerKind.Openai)
        {
            text.Append("\nAligned replies are absent: the server has no alignment_compare (linear alignment needs this project's server).\n");
        }
        if (Failed > 0)
        {
            text.Append($"\n{Failed} of {Requests} requests failed:\n");
            foreach (var error in Errors)
            {
                text.Append($"- {error.Count} × {error.Message}\n");
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Each metric in percent against the step size: aligned as a line through its step sizes, base and prompt-only as
    /// dashed levels across the same range, since they have no step.
    /// </summary>
    public LineChart Chart()
    {
        var (low, high) = (Steps.Min(), Steps.Max());
        var series = new List<ChartSeries>();
        foreach (var metric in Metrics)
        {
            series.Add(new ChartSeries($"{metric}: aligned", Conditions
                .Where(c => c.Condition == EvalCondition.Aligned && c.Metric(metric).Rate is not null)
                .Select(c => new ChartPoint(c.StepSize!.Value, c.Metric(metric).Rate!.Value * 100)).ToList()));
            foreach (var reference in new[] { EvalCondition.PromptOnly, EvalCondition.Base })
            {
                var condition = Condition(reference);
                if (condition.Metric(metric).Rate is { } rate)
                {
                    series.Add(new ChartSeries($"{metric}: {condition.Label}", [new(low, rate * 100), new(high, rate * 100)], Reference: true));
                }
            }
        }
        return new LineChart($"{string.Join(" and ", Metrics)} against step size ({Model ?? "model"})", "step size", "% of replies", series);
    }

    private static string Step(ConditionScores condition) =>
        condition.StepSize is { } step ? step.ToString(CultureInfo.InvariantCulture) : "–";

    private static string Number(int count) => count.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double? rate) =>
        rate is { } r ? (r * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "–";
}
