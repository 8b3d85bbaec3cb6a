using System.Text.Json;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class LoadReportTests
{
    private static readonly Workload FourTokens = new() { Clients = 2, Requests = 3, MaxTokens = 4 };

    [Fact]
    public void A_request_times_its_first_token_and_the_tokens_after_it()
    {
        var timing = Timings.Request(start: 100, first: 150, last: 180, tokens: 4);

        Assert.Equal(50, timing.TtftMs);
        Assert.Equal(10, timing.TpotMs);
        Assert.Equal(100, timing.TokensPerSecond);
    }

    [Fact]
    public void A_single_token_has_no_decode_time()
    {
        var timing = Timings.Request(start: 0, first: 10, last: 10, tokens: 1);

        Assert.Null(timing.TpotMs);
        Assert.Null(timing.TokensPerSecond);
    }

    [Fact]
    public void Latencies_come_from_successful_requests_and_throughput_from_all_tokens_over_the_wall_time()
    {
        var report = Timings.Report(FourTokens,
            Timings.Request(start: 0, first: 100, last: 130, tokens: 4),
            Timings.Request(start: 0, first: 300, last: 360, tokens: 4),
            Timings.Request(start: 500, first: 600, last: 999, tokens: 2, error: "HTTP 500: boom"));

        Assert.Equal(3, report.Requests);
        Assert.Equal(2, report.Succeeded);
        Assert.Equal(1, report.Failed);
        Assert.Equal([new ErrorCount("HTTP 500: boom", 1)], report.Errors);
        Assert.Equal(10, report.CompletionTokens);
        Assert.Equal(1, report.WallSeconds);
        Assert.Equal(10, report.AggregateTokensPerSecond);
        Assert.Equal(new Percentiles(200, 280, 298), report.TtftMs);
        Assert.Equal(15, report.TpotMs!.P50);
        Assert.Equal(0, report.ShortOfMaxTokens);
        Assert.Null(report.FollowUpTurns);
    }

    [Fact]
    public void Turns_are_summarized_apart_with_their_cached_tokens()
    {
        var report = Timings.Report(FourTokens with { Turns = 2 },
            Timings.Request(start: 0, first: 100, last: 130, tokens: 4, turn: 1, cached: 0),
            Timings.Request(start: 200, first: 210, last: 240, tokens: 4, turn: 2, cached: 36));

        Assert.Equal(100, report.FirstTurns.TtftMs!.P50);
        Assert.Equal(0, report.FirstTurns.CachedTokensMedian);
        Assert.Equal(10, report.FollowUpTurns!.TtftMs!.P50);
        Assert.Equal(36, report.FollowUpTurns.CachedTokensMedian);
        Assert.Contains("follow-up turns", report.Table());
    }

    [Fact]
    public void Requests_that_stop_before_max_tokens_are_counted()
    {
        var report = Timings.Report(FourTokens, Timings.Request(start: 0, first: 1, last: 2, tokens: 3));

        Assert.Equal(1, report.ShortOfMaxTokens);
        Assert.Contains("1 short of max_tokens", report.Table());
    }

    [Fact]
    public void The_json_has_snake_case_summaries_the_workload_and_every_request()
    {
        var report = Timings.Report(FourTokens with { Principle = "Be kind", StepSize = 2 },
            Timings.Request(start: 0, first: 100, last: 130, tokens: 4),
            Timings.Request(start: 0, first: 1, last: 2, tokens: 0, error: "no text generated"));

        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, BenchJson.Options)).RootElement;

        Assert.Equal(2, json.GetProperty("requests").GetInt32());
        Assert.Equal(1, json.GetProperty("failed").GetInt32());
        Assert.Equal("no text generated", json.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(100, json.GetProperty("ttft_ms").GetProperty("p99").GetDouble());
        Assert.Equal(10, json.GetProperty("tpot_ms").GetProperty("p50").GetDouble());
        Assert.True(json.GetProperty("aggregate_tokens_per_second").GetDouble() > 0);
        Assert.Equal(40, json.GetProperty("first_turns").GetProperty("prompt_tokens_median").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("follow_up_turns").ValueKind);
        Assert.Equal("tokenize", json.GetProperty("calibration").GetProperty("source").GetString());
        var workload = json.GetProperty("workload");
        Assert.Equal("random", workload.GetProperty("prompt").GetString());
        Assert.Equal("chat", workload.GetProperty("endpoint").GetString());
        Assert.Equal("Be kind", workload.GetProperty("principle").GetString());
        var requests = json.GetProperty("request_timings");
        Assert.Equal(2, requests.GetArrayLength());
        Assert.Equal(100, requests[0].GetProperty("ttft_ms").GetDouble());
        Assert.Equal(130, requests[0].GetProperty("last_token_ms").GetDouble());
        Assert.Equal("no text generated", requests[1].GetProperty("error").GetString());
    }

    [Fact]
    public void A_workload_read_from_json_keeps_its_fields()
    {
        var workload = JsonSerializer.Deserialize<Workload>(
            """{"name":"w","clients":4,"requests":8,"prompt":"fixed","endpoint":"completions","a_side_only":true,"extra_fields":{"top_k":1},}""",
            BenchJson.Options)!;

        Assert.Equal((4, 8, PromptMode.Fixed, ApiEndpoint.Completions, true), (workload.Clients, workload.Requests, workload.Prompt, workload.Endpoint, workload.ASideOnly));
        Assert.Equal(1, workload.ExtraFields!["top_k"].GetInt32());
    }

    [Theory]
    [InlineData(0, 1, 1, ApiEndpoint.Chat, null, "clients")]
    [InlineData(1, 1, 2, ApiEndpoint.Completions, null, "turns need the chat endpoint")]
    [InlineData(1, 1, 1, ApiEndpoint.Chat, 2.0, "step size needs a principle")]
    public void Workloads_that_cannot_run_say_why(int clients, int requests, int turns, ApiEndpoint endpoint, double? stepSize, string problem)
    {
        var workload = new Workload { Clients = clients, Requests = requests, Turns = turns, Endpoint = endpoint, StepSize = stepSize };

        Assert.Contains(problem, workload.Problem());
    }
}
