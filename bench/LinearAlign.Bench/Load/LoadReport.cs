using System.Globalization;

namespace LinearAlign.Bench.Load;

public sealed record Percentiles(double P50, double P90, double P99)
{
    /// <summary>The percentiles of <paramref name="values"/>, or null when there are none.</summary>
    public static Percentiles? Of(IReadOnlyCollection<double> values) => values.Count == 0
        ? null
        : new(Statistics.Percentile(values, 50), Statistics.Percentile(values, 90), Statistics.Percentile(values, 99));

    /// <summary>The percentiles of a measure of each request that has it.</summary>
    public static Percentiles? Of(IEnumerable<RequestTiming> timings, Func<RequestTiming, double?> measure) =>
        Of(timings.Select(measure).OfType<double>().ToList());
}

/// <summary>An error message and how many requests ended with it.</summary>
public sealed record ErrorCount(string Message, int Count)
{
    /// <summary>Distinct error messages kept in a report; the count of failed requests covers all.</summary>
    public const int MessagesKept = 10;

    /// <summary>The failed requests' error messages, with how many ended with each.</summary>
    public static IReadOnlyList<ErrorCount> Tally(IEnumerable<RequestTiming> timings) => timings
        .Where(t => t.Error is not null)
        .GroupBy(t => t.Error!)
        .Select(g => new ErrorCount(g.Key, g.Count()))
        .Take(MessagesKept)
        .ToList();
}

/// <summary>
/// The requests that kept the server busy during a run (<see cref="Workload.Background"/>), summarized apart from the
/// run's own: their first tokens and decoding show what the timed requests shared the server with.
/// </summary>
public sealed record BackgroundReport(
    int Clients,
    int Requests,
    int Failed,
    IReadOnlyList<ErrorCount> Errors,
    long CompletionTokens,
    Percentiles? TtftMs,
    Percentiles? TpotMs,
    Percentiles? CompletionTokensPerRequest,
    IReadOnlyList<RequestTiming> RequestTimings)
{
    public static BackgroundReport Create(BackgroundLoad load, IReadOnlyList<RequestTiming> timings)
    {
        var succeeded = timings.Where(t => t.Succeeded).ToList();
        return new BackgroundReport(
            load.Clients,
            timings.Count,
            timings.Count - succeeded.Count,
            ErrorCount.Tally(timings),
            timings.Sum(t => (long)t.CompletionTokens),
            Percentiles.Of(succeeded, t => t.TtftMs),
            Percentiles.Of(succeeded, t => t.TpotMs),
            Percentiles.Of(succeeded, t => t.CompletionTokens),
            timings);
    }
}

/// <summary>Time to first token and prompt sizes of one kind of turn (first turns, or follow-ups of a conversation).</summary>
public sealed record TurnSummary(int Requests, Percentiles? TtftMs, double? PromptTokensMedian, double? CachedTokensMedian);

/// <summary>
/// The result of one load run. Latencies are over the requests that succeeded; generated tokens count all that
/// arrived, and aggregate tokens/s divides them by the run's wall time, from the first request sent to the last ended.
/// A run's background requests are summarized apart in <see cref="Background"/> and count in none of the rest.
/// </summary>
public sealed record LoadReport
{
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

    /// <summary>
    /// Successful fixed-length requests that generated fewer than max_tokens: the server stopped early (ignore_eos not
    /// honoured?). Null for sampled requests, which end where the model ends its turn.
    /// </summary>
    public required int? ShortOfMaxTokens { get; init; }

    public required long CompletionTokens { get; init; }

    /// <summary>Tokens of each successful reply, as the server's usage counts them (llama-server counts the end-of-turn token too).</summary>
    public required Percentiles? CompletionTokensPerRequest { get; init; }

    public required double AggregateTokensPerSecond { get; init; }

    public required Percentiles? TtftMs { get; init; }

    public required TurnSummary FirstTurns { get; init; }

    /// <summary>The later turns of conversations, whose earlier turns a server may have cached; null without turns.</summary>
    public required TurnSummary? FollowUpTurns { get; init; }

    public required Percentiles? TpotMs { get; init; }

    public required Percentiles? RequestTokensPerSecond { get; init; }

    public required IReadOnlyList<RequestTiming> RequestTimings { get; init; }

    public required BackgroundReport? Background { get; init; }

    /// <param name="backgroundTimings">The background requests, where the workload has a background load.</param>
    public static LoadReport Create(
        string label, string url, string? model, Workload workload, TokenCalibration calibration, DateTimeOffset startedAt,
        IReadOnlyList<RequestTiming> timings, IReadOnlyList<RequestTiming>? backgroundTimings = null)
    {
        var succeeded = timings.Where(t => t.Succeeded).ToList();
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
            Errors = ErrorCount.Tally(timings),
            ShortOfMaxTokens = workload.Request.Decoding == Decoding.FixedLength
                ? succeeded.Count(t => t.CompletionTokens < workload.Request.MaxTokens)
                : null,
            CompletionTokens = completionTokens,
            CompletionTokensPerRequest = Percentiles.Of(succeeded, t => t.CompletionTokens),
            AggregateTokensPerSecond = wallMs > 0 ? completionTokens / (wallMs / 1000) : 0,
            TtftMs = Percentiles.Of(succeeded, t => t.TtftMs),
            FirstTurns = Summarize(succeeded.Where(t => t.Turn == 1).ToList()),
            FollowUpTurns = workload.Turns > 1 ? Summarize(succeeded.Where(t => t.Turn > 1).ToList()) : null,
            TpotMs = Percentiles.Of(succeeded, t => t.TpotMs),
            RequestTokensPerSecond = Percentiles.Of(succeeded, t => t.TokensPerSecond),
            RequestTimings = timings,
            Background = workload.Background is { } load ? BackgroundReport.Create(load, backgroundTimings ?? []) : null,
        };
    }

    /// <summary>What the run was, in one line.</summary>
    public string Title()
    {
        var request = Workload.Request;
        var api = $"{request.Endpoint.ToString().ToLowerInvariant()}, {request.Prompt.ToString().ToLowerInvariant()} prompts";
        return $"{Label} — {Workload.Name}: {Workload.Describe()} ({api}); {Url}";
    }

    /// <summary>What the run measured, in one line.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Label}: {AggregateTokensPerSecond:F1} tok/s, TTFT p50 {TtftMs?.P50:F0} ms, TPOT p50 {TpotMs?.P50:F1} ms, {Failed} failed");

    /// <summary>The summary as a readable Markdown table.</summary>
    public string Table()
    {
        var rows = new List<IReadOnlyList<string>>
        {
            Row("requests", $"{Succeeded} succeeded, {Failed} failed" + (ShortOfMaxTokens > 0 ? $", {ShortOfMaxTokens} short of max_tokens" : "")),
            Row("completion tokens per request p50 / p90 / p99", Format(CompletionTokensPerRequest, withP99: true)),
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
        rows.AddRange(ErrorRows(Errors, ""));
        if (Background is { } background)
        {
            rows.Add(Row("background requests", $"{background.Requests - background.Failed} succeeded, {background.Failed} failed, from {background.Clients} clients"));
            rows.Add(Row("background completion tokens per request p50 / p90 / p99", Format(background.CompletionTokensPerRequest, withP99: true)));
            rows.Add(Row("background TTFT ms p50 / p90 / p99", Format(background.TtftMs, withP99: true)));
            rows.Add(Row("background time per output token ms p50 / p90", Format(background.TpotMs, withP99: false)));
            rows.AddRange(ErrorRows(background.Errors, "background "));
        }
        return MarkdownTable.Render(["measure", "value"], rows);
    }

    private static IEnumerable<string[]> ErrorRows(IEnumerable<ErrorCount> errors, string prefix) => errors.Select(error =>
        Row($"{prefix}error ×{error.Count}", error.Message.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)));

    private static string[] Row(string measure, string value) => [measure, value];

    private static string Number(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "–";

    private static string Format(Percentiles? percentiles, bool withP99) => percentiles is null
        ? "–"
        : $"{Number(percentiles.P50)} / {Number(percentiles.P90)}" + (withP99 ? $" / {Number(percentiles.P99)}" : "");

    private static string Tokens(TurnSummary turns) =>
        Number(turns.PromptTokensMedian) + (turns.CachedTokensMedian is { } cached ? $", cached {Number(cached)}" : "");

    private static TurnSummary Summarize(IReadOnlyList<RequestTiming> turns) => new(
        turns.Count,
        Percentiles.Of(turns, t => t.TtftMs),
        Percentiles.Of(turns, t => t.PromptTokens)?.P50,
        Percentiles.Of(turns, t => t.CachedTokens)?.P50);
}
