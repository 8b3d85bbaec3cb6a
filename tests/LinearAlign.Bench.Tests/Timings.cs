using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

/// <summary>Request timings made up for tests of what is computed from them.</summary>
public static class Timings
{
    public static RequestTiming Request(double start, double first, double last, int tokens, int turn = 1, int? cached = null, string? error = null) => new()
    {
        Turn = turn,
        StartMs = start,
        FirstTokenMs = first,
        LastTokenMs = last,
        EndMs = last + 1,
        CompletionTokens = tokens,
        ContentChunks = tokens,
        UsageReported = true,
        PromptTokens = 40,
        CachedTokens = cached,
        HttpStatus = 200,
        Error = error,
    };

    public static LoadReport Report(Workload workload, params RequestTiming[] timings) => Report(workload, timings, background: null);

    public static LoadReport Report(Workload workload, RequestTiming[] timings, RequestTiming[]? background) =>
        LoadReport.Create("test", "http://127.0.0.1:1", "model", workload, new TokenCalibration(1.25, "tokenize"), DateTimeOffset.UnixEpoch, timings, background);
}
