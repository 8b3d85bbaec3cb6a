using System.Text.Json;
using LinearAlign.Bench.Load;
using LinearAlign.Forge.Models;
using LinearAlign.TestFixtures;

namespace LinearAlign.Bench.Tests;

/// <summary>The load generator against the real server, in-process over the tiny generated model.</summary>
public sealed class LoadEndToEndTests
{
    /// <summary>Sampled at temperature 1, its replies run 8 tokens on average before it ends its turn.</summary>
    private static string EndsTurnsAfterEightTokens => TinyModels.For(new ForgeSpec(LlamaShape.Tiny, Name: "tiny-ends-turns", MeanReplyTokens: 8));

    private static readonly RunSettings Settings = new("e2e", Warmup: 1, TimeSpan.FromSeconds(60), ShowProgress: false);

    private static InProcessServer Serving(string model) => new(model, new Dictionary<string, string>
    {
        ["Model:ContextSize"] = "1024",
        ["Engine:MaxSequences"] = "4",
    });

    [Fact]
    public async Task Two_clients_stream_four_requests_of_eight_tokens_each()
    {
        await using var server = new InProcessServer(TinyModels.Default, new Dictionary<string, string>
        {
            ["Model:Alias"] = "tiny",
            ["Model:ContextSize"] = "1024",
            ["Engine:MaxSequences"] = "4",
        });
        using var http = await server.StartAsync();
        var workload = new Workload
        {
            Clients = 2,
            Requests = 4,
            Request = new()
            {
                PromptTokens = 32,
                MaxTokens = 8,
                // The tiny model's weights are random, so it may pick an end-of-generation token (2 or 4) early; ignore_eos
                // is sent too, but a server need not know it.
                ExtraFields = new() { ["logit_bias"] = JsonDocument.Parse("""{"2":-100,"4":-100}""").RootElement },
            },
        };

        var report = await LoadRunner.RunAsync(new LoadTarget(http, "in-process", null), workload,
            new RunSettings("e2e", Warmup: 1, TimeSpan.FromSeconds(60), ShowProgress: false), TextWriter.Null, CancellationToken.None);

        Assert.Equal("tiny", report.Model);
        Assert.Equal("tokenize", report.Calibration.Source);
        Assert.Equal(4, report.Requests);
        Assert.Empty(report.Errors);
        Assert.Equal(0, report.Failed);
        Assert.Equal(32, report.CompletionTokens);
        Assert.All(report.RequestTimings, t => Assert.True(t.UsageReported));
        Assert.Equal([0, 1], report.RequestTimings.Select(t => t.Client).Distinct().Order());
        Assert.True(report.TtftMs!.P50 > 0);
        Assert.True(report.AggregateTokensPerSecond > 0);
        Assert.InRange(report.FirstTurns.PromptTokensMedian!.Value, 32, 32 * 2);
    }

    [Fact]
    public async Task Open_ended_sampled_replies_run_as_long_as_the_forged_model_makes_its_turns()
    {
        await using var server = Serving(EndsTurnsAfterEightTokens);
        using var http = await server.StartAsync();
        var workload = new Workload { Requests = 160, Request = new() { PromptTokens = 16, MaxTokens = null, Decoding = Decoding.Sampled } };

        var report = await LoadRunner.RunAsync(new LoadTarget(http, "in-process", null), workload, Settings, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, report.Failed);
        // Geometric lengths of mean 8: the mean of 160 has a standard error of about 0.7.
        Assert.InRange(report.CompletionTokens / 160.0, 6, 10.5);
    }

    [Fact]
    public async Task A_workloads_requests_start_once_every_background_client_streams_and_the_background_is_reported_apart()
    {
        await using var server = Serving(EndsTurnsAfterEightTokens);
        using var http = await server.StartAsync();
        var workload = new Workload
        {
            Requests = 3,
            Request = new() { PromptTokens = 8, MaxTokens = 4 },
            Background = new BackgroundLoad { Clients = 2, Request = new() { PromptTokens = 32, MaxTokens = null, Decoding = Decoding.Sampled } },
        };

        var report = await LoadRunner.RunAsync(new LoadTarget(http, "in-process", null), workload, Settings, TextWriter.Null, CancellationToken.None);

        Assert.Equal((3, 0, 12L), (report.Requests, report.Failed, report.CompletionTokens));
        var background = report.Background!;
        Assert.Equal(0, background.Failed);
        Assert.Equal([1, 2], background.RequestTimings.Select(t => t.Client).Distinct().Order());
        var everyBackgroundClientStreaming = background.RequestTimings.GroupBy(t => t.Client)
            .Select(client => client.MinBy(t => t.StartMs)!)
            .Max(first => first.FirstTokenMs ?? first.EndMs);
        Assert.All(report.RequestTimings, t => Assert.True(t.StartMs >= everyBackgroundClientStreaming));
    }
}
