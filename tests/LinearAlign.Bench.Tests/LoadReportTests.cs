using System.Text.Json;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class LoadReportTests
{
    private static readonly Workload FourTokens = new() { Clients = 2, Requests = 3, Request = new() { MaxTokens = 4 } };

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
        var report = Timings.Report(FourTokens with { Request = FourTokens.Request with { Principle = "Be kind", StepSize = 2 } },
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
        var request = json.GetProperty("workload").GetProperty("request");
        Assert.Equal("random", request.GetProperty("prompt").GetString());
        Assert.Equal("chat", request.GetProperty("endpoint").GetString());
        Assert.Equal("fixed_length", request.GetProperty("decoding").GetString());
        Assert.Equal("Be kind", request.GetProperty("principle").GetString());
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
            """{"name":"w","clients":4,"requests":8,"request":{"prompt":"fixed","endpoint":"completions","extra_fields":{"top_k":1}},"a_side_only":true,}""",
            BenchJson.Options)!;

        Assert.Equal((4, 8, PromptMode.Fixed, ApiEndpoint.Completions, true), (workload.Clients, workload.Requests, workload.Request.Prompt, workload.Request.Endpoint, workload.ASideOnly));
        Assert.Equal(1, workload.Request.ExtraFields!["top_k"].GetInt32());
    }

    [Theory]
    [InlineData(0, 1, 1, ApiEndpoint.Chat, null, "clients")]
    [InlineData(1, 1, 2, ApiEndpoint.Completions, null, "turns need the chat endpoint")]
    [InlineData(1, 1, 1, ApiEndpoint.Chat, 2.0, "step size needs a principle")]
    public void Workloads_that_cannot_run_say_why(int clients, int requests, int turns, ApiEndpoint endpoint, double? stepSize, string problem)
    {
        var workload = new Workload { Clients = clients, Requests = requests, Turns = turns, Request = new() { Endpoint = endpoint, StepSize = stepSize } };

        Assert.Contains(problem, workload.Problem());
    }

    [Fact]
    public void Sampled_replies_end_where_the_model_ends_its_turn_so_none_is_short_of_max_tokens()
    {
        var sampled = FourTokens with { Request = new() { MaxTokens = null, Decoding = Decoding.Sampled } };

        var report = Timings.Report(sampled, Timings.Request(start: 0, first: 1, last: 2, tokens: 3), Timings.Request(start: 0, first: 1, last: 9, tokens: 9));

        Assert.Null(report.ShortOfMaxTokens);
        Assert.DoesNotContain("short of max_tokens", report.Table());
        Assert.Equal(6, report.CompletionTokensPerRequest!.P50);
    }

    [Fact]
    public void Background_requests_are_summarized_apart_and_count_in_none_of_the_runs_own_measures()
    {
        var mixed = FourTokens with { Background = new BackgroundLoad { Clients = 3 } };

        var report = Timings.Report(mixed, [Timings.Request(start: 0, first: 10, last: 13, tokens: 4)],
        [
            Timings.Request(start: 0, first: 500, last: 600, tokens: 11),
            Timings.Request(start: 0, first: 700, last: 800, tokens: 11),
            Timings.Request(start: 0, first: 1, last: 2, tokens: 0, error: "HTTP 503: busy"),
        ]);

        Assert.Equal((1, 4, 10.0), (report.Requests, report.CompletionTokens, report.TtftMs!.P50));
        var background = report.Background!;
        Assert.Equal((3, 3, 1, 22L), (background.Clients, background.Requests, background.Failed, background.CompletionTokens));
        Assert.Equal(600, background.TtftMs!.P50);
        Assert.Equal(10, background.TpotMs!.P50);
        Assert.Equal([new ErrorCount("HTTP 503: busy", 1)], background.Errors);
        Assert.Contains("background TTFT", report.Table());
    }

    [Fact]
    public void A_workload_file_can_send_no_max_tokens()
    {
        var workload = JsonSerializer.Deserialize<Workload>("""{"request":{"max_tokens":null,"decoding":"sampled"}}""", BenchJson.Options)!;

        Assert.Null(workload.Request.MaxTokens);
        Assert.Equal(Decoding.Sampled, workload.Request.Decoding);
        Assert.Null(workload.Problem());
    }

    [Fact]
    public void Fixed_length_decoding_needs_max_tokens()
    {
        var workload = new Workload { Request = new() { MaxTokens = null } };

        Assert.Contains("fixed-length decoding needs max tokens", workload.Problem());
    }

    [Fact]
    public void A_background_that_cannot_run_says_so()
    {
        var workload = new Workload { Background = new BackgroundLoad { Request = new() { PromptTokens = 0 } } };

        Assert.Equal("background: prompt tokens must be at least 1", workload.Problem());
    }
}
