using System.Globalization;

namespace LinearAlign.Bench.Load;

public sealed record Percentiles(double P50, double P90, double P99)
{
    /// <summary>The percentiles of <paramref name="values"/>, or null when there are none.</summary>
    public static Percentiles? Of(IReadOnlyCollection<double> values) => values.Count == 0
        ? null
        : new(Statistics.Percentile(values, 50), Statistics.Percentile(values, 90), Statistics.Percentile(values, 99));
}

/// <summary>An error message and how many requests ended with it.</summary>
public sealed record ErrorCount(string Message, int Count);

/// <summary>Time to first token and prompt sizes of one kind of turn (first turns, or follow-ups of a conversation).</summary>
public sealed record TurnSummary(int Requests, Percentiles? TtftMs, double? PromptTokensMedian, double? CachedTokensMedian);

/// <summary>
/// The result of one load run. Latencies are over the requests that succeeded; generated tokens count all that
/// arrived, and aggregate tokens/s divides them by the run's wall time, from the first request sent to the last ended.
/// </summary>
public sealed record LoadReport
{
    /// <summary>Distinct error messages kept in a report; the count covers all.</summary>
    public const int ErrorMessagesKept = 10;

    public required string Label { get; init; }

    public required string Url { get; init; }

    public required string? Model { get; init; }

    public required Workload Workload { get; init; }

    public required TokenCalibration Calibration { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double WallSeconds { get; init; }

    public required int Requests { get; init; }

    public required int Succeeded { get; init; }

    public required int Failed { get; init; }

    public required IReadOnlyList<ErrorCount> Errors { get; init; }

    /// <summary>Successful requests that generated fewer than max_tokens: the server stopped early (ignore_eos not honoured?).</summary>
    public required int ShortOfMaxTokens { get; init; }

    public required long CompletionTokens { get; init; }

    public required double AggregateTokensPerSecond { get; init; }

    public required Percentiles? TtftMs { get; init; }

    public required TurnSummary FirstTurns { get; init; }

    /// <summary>The later turns of conversations, whose earlier turns a server may have cached; null without turns.</summary>
    public required TurnSummary? FollowUpTurns { get; init; }

    public required Percentiles? TpotMs { get; init; }

    public required Percentiles? RequestTokensPerSecond { get; init; }

    public required IReadOnlyList<RequestTiming> RequestTimings { get; init; }

    public static LoadReport Create(
        string label, string url, string? model, Workload workload, TokenCalibration calibration, DateTimeOffset startedAt,
        IReadOnlyList<RequestTiming> timings)
    {
        var succeeded = timings.Where(t => t.Error is null).ToList();
        var wallMs = timings.Count == 0 ? 0 : timings.Max(t => t.EndMs) - timings.Min(t => t.StartMs);
        var completionTokens = timings.Sum(t => (long)t.CompletionTokens);
        return new LoadReport
        {
            Label = label,
            Url = url,
            Model = model,
            Workload = workload,
            Calibration = calibration,
            StartedAt = startedAt,
            WallSeconds = wallMs / 1000,
            Requests = timings.Count,
            Succeeded = succeeded.Count,
            Failed = timings.Count - succeeded.Count,
            Errors = timings.Where(t => t.Error is not null).GroupBy(t => t.Error!)
                .Select(g => new ErrorCount(g.Key, g.Count())).Take(ErrorMessagesKept).ToList(),
            ShortOfMaxTokens = succeeded.Count(t => t.CompletionTokens < workload.MaxTokens),
            CompletionTokens = completionTokens,
            AggregateTokensPerSecond = wallMs > 0 ? completionTokens / (wallMs / 1000) : 0,
            TtftMs = Percentiles.Of(Values(succeeded, t => t.TtftMs)),
            FirstTurns = Summarize(succeeded.Where(t => t.Turn == 1).ToList()),
            FollowUpTurns = workload.Turns > 1 ? Summarize(succeeded.Where(t => t.Turn > 1).ToList()) : null,
            TpotMs = Percentiles.Of(Values(succeeded, t => t.TpotMs)),
            RequestTokensPerSecond = Percentiles.Of(Values(succeeded, t => t.TokensPerSecond)),
            RequestTimings = timings,
        };
    }

    /// <summary>What the run was, in one line.</summary>
    public string Title()
    {
        var w = Workload;
        var shape = $"{w.Endpoint.ToString().ToLowerInvariant()}, {w.PromptTokens} prompt tokens ({w.Prompt.ToString().ToLowerInvariant()}), {w.MaxTokens} max tokens";
        var turns = w.Turns > 1 ? $", {w.Turns} turns each" : "";
        var aligned = w.Aligned ? $", aligned (step size {w.StepSize?.ToString(CultureInfo.InvariantCulture) ?? "default"})" : "";
        return $"{Label} — {w.Name}: {w.Requests} requests{turns}, {w.Clients} concurrent, {shape}{aligned}; {Url}";
    }

    /// <summary>The summary as a readable Markdown table.</summary>
    public string Table()
    {
        var rows = new List<IReadOnlyList<string>>
        {
            Row("requests", $"{Succeeded} succeeded, {Failed} failed" + (ShortOfMaxTokens > 0 ? $", {ShortOfMaxTokens} short of max_tokens" : "")),
            Row("aggregate generated tokens/s", $"{AggregateTokensPerSecond:F1} ({CompletionTokens} tokens in {WallSeconds:F2} s)"),
            Row("TTFT ms p50 / p90 / p99", Format(TtftMs, withP99: true)),
        };
        if (FollowUpTurns is { } followUps)
        {
            rows.Add(Row("TTFT ms, first turns", Format(FirstTurns.TtftMs, withP99: true)));
            rows.Add(Row("TTFT ms, follow-up turns", Format(followUps.TtftMs, withP99: true)));
        }
        rows.Add(Row("time per output token ms p50 / p90", Format(TpotMs, withP99: false)));
        rows.Add(Row("request tokens/s p50", Number(RequestTokensPerSecond?.P50)));
        rows.Add(Row("prompt tokens (server's usage, median)", Tokens(FirstTurns)));
        if (FollowUpTurns is { } later)
        {
            rows.Add(Row("prompt tokens, follow-up turns", Tokens(later)));
        }
        rows.Add(Row("prompt length calibration", $"{Calibration.TokensPerWord:F3} tokens/word ({Calibration.Source})"));
        foreach (var error in Errors)
        {
            rows.Add(Row($"error ×{error.Count}", error.Message.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)));
        }
        return MarkdownTable.Render(["measure", "value"], rows);
    }

    private static string[] Row(string measure, string value) => [measure, value];

    private static string Number(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "–";

    private static string Format(Percentiles? percentiles, bool withP99) => percentiles is null
        ? "–"
        : $"{Number(percentiles.P50)} / {Number(percentiles.P90)}" + (withP99 ? $" / {Number(percentiles.P99)}" : "");

    private static string Tokens(TurnSummary turns) =>
        Number(turns.PromptTokensMedian) + (turns.CachedTokensMedian is { } cached ? $", cached {Number(cached)}" : "");

    private static TurnSummary Summarize(IReadOnlyList<RequestTiming> turns) => new(
        turns.Count,
        Percentiles.Of(Values(turns, t => t.TtftMs)),
        Median(Values(turns, t => t.PromptTokens)),
        Median(Values(turns, t => t.CachedTokens)));

    private static List<double> Values(IEnumerable<RequestTiming> timings, Func<RequestTiming, double?> value) =>
        timings.Select(value).OfType<double>().ToList();

    private static List<double> Values(IEnumerable<RequestTiming> timings, Func<RequestTiming, int?> value) =>
        timings.Select(value).OfType<int>().Select(v => (double)v).ToList();

    private static double? Median(IReadOnlyCollection<double> values) => values.Count == 0 ? null : Statistics.Median(values);
}
