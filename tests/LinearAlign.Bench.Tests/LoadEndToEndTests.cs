using System.Text.Json;
using LinearAlign.Bench.Load;
using LinearAlign.TestFixtures.Models;

namespace LinearAlign.Bench.Tests;

/// <summary>The load generator against the real server, in-process over the tiny generated model.</summary>
public sealed class LoadEndToEndTests
{
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
            PromptTokens = 32,
            MaxTokens = 8,
            // The tiny model's weights are random, so it may pick an end-of-generation token (2 or 4) early; ignore_eos
            // is sent too, but a server need not know it.
            ExtraFields = new() { ["logit_bias"] = JsonDocument.Parse("""{"2":-100,"4":-100}""").RootElement },
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
}
