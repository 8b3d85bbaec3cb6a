using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>Continuous batching: requests in one batch must not affect each other, and must leave only the prompt cache behind.</summary>
[Collection(EngineCollection.Name)]
public sealed class ConcurrencyTests(EngineFixture fixture)
{
    private static readonly GenerationRequest[] Mixed =
    [
        Requests.Plain("What is the answer to the question"),
        Requests.Aligned("What is the answer to the question", "Be kind", 3f),
        Requests.Plain("How do you answer", maxTokens: 7),
        Requests.Aligned("How do you answer", "You are a helpful assistant", 1f, maxTokens: 9),
        Requests.Plain("The principle is"),
        Requests.Aligned("The principle is", "Answer the question", 8f, maxTokens: 14),
        Requests.Plain("What is it", maxTokens: 5),
        Requests.Aligned("What is it", "Be kind to the user", -2f),
    ];


    [Fact]
    public async Task Eight_simultaneous_mixed_requests_give_the_same_greedy_outputs_as_alone()
    {
        var alone = new List<string>();
        foreach (var request in Mixed)
        {
            alone.Add((await fixture.Engine.Submit(request).Completion).Text);
        }

        var together = await Task.WhenAll(Mixed.Select(request => fixture.Engine.Submit(request).Completion));

        Assert.Equal(alone, together.Select(r => r.Text));
        var census = await fixture.Engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
    }

    [Fact]
    public async Task Requests_cancelled_mid_way_finish_as_cancelled_and_hold_no_sequence_afterwards()
    {
        // The plain requests (even indices) get far more tokens than they can produce before their first token is
        // read and they are cancelled; the aligned ones run to max_tokens. All fit the KV cache at once.
        var cancellations = Mixed.Select(_ => new CancellationTokenSource()).ToArray();
        var streams = Mixed
            .Select((request, i) => fixture.Engine.Submit(
                request with { MaxTokens = i % 2 == 0 ? 700 : 60, Sampling = request.Sampling with { LogitBias = Requests.NoEndOfGeneration } },
                cancellations[i].Token))
            .ToArray();

        await Task.WhenAll(Enumerable.Range(0, streams.Length).Where(i => i % 2 == 0).Select(async i =>
        {
            await foreach (var _ in streams[i].ReadDeltasAsync())
            {
                await cancellations[i].CancelAsync();
                break;
            }
        }));
        var results = await Task.WhenAll(streams.Select(s => s.Completion));

        Assert.All(results.Where((_, i) => i % 2 == 0), r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.All(results.Where((_, i) => i % 2 == 1), r => Assert.Equal(FinishReason.Length, r.FinishReason));
        var census = await fixture.Engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
    }

    [Fact]
    public async Task A_full_queue_refuses_new_requests_with_a_typed_error()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 2, QueueCapacity = 1 });
        using var stop = new CancellationTokenSource();
        var longRequest = Requests.Aligned("What is it", "Be kind", 2f, maxTokens: 500) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        };

        var running = engine.Submit(longRequest, stop.Token);
        await foreach (var _ in running.ReadDeltasAsync())
        {
            break;
        }
        var queued = engine.Submit(longRequest, stop.Token);
        var refusal = Assert.Throws<EngineException>(() => engine.Submit(longRequest, stop.Token));

        Assert.Equal(EngineErrorCode.QueueFull, refusal.Code);
        await stop.CancelAsync();
        Assert.Equal(FinishReason.Cancelled, (await queued.Completion).FinishReason);
        Assert.Equal(FinishReason.Cancelled, (await running.Completion).FinishReason);
    }
}
