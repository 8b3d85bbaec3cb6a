using LinearAlign.Engine.Generation;
using LinearAlign.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LinearAlign.Server.Tests.Metrics;

/// <summary>With the exporter listening, recording metrics still allocates nothing per token on the inference thread.</summary>
[Collection(ServerCollection.Name)]
public sealed class MetricsAllocationTests(ServerFixture server)
{
    [Theory]
    [InlineData(null)]
    [InlineData("Be kind")]
    public async Task A_longer_generation_allocates_no_more_on_the_inference_thread_while_metrics_are_exported(string? principle)
    {
        var engine = server.Services.GetRequiredService<ModelHost>().Engine!;
        var request = new GenerationRequest
        {
            Prompt = "What is the answer to the question",
            Principle = principle,
            Sampling = new() { Temperature = 0f, LogitBias = new Dictionary<int, float> { [2] = -100f, [4] = -100f } },
        };
        async Task<long> AllocatedAsync(int tokens)
        {
            var before = await engine.InspectAsync(_ => GC.GetAllocatedBytesForCurrentThread());
            await engine.Submit(request with { MaxTokens = tokens }).Completion;
            return await engine.InspectAsync(_ => GC.GetAllocatedBytesForCurrentThread()) - before;
        }
        // Warm-up: the first request of each length rents its token record from a pool bucket not used before.
        await AllocatedAsync(8);
        await AllocatedAsync(8 + 200);

        var shortRun = await AllocatedAsync(8);
        var longRun = await AllocatedAsync(8 + 200);

        Assert.True(longRun - shortRun < 200, $"200 more tokens allocated {longRun - shortRun} more bytes on the inference thread");
    }
}
