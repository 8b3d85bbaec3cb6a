using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>The inference thread allocates nothing per generated token: sampling, the update, detokenizing and output use reused buffers.</summary>
[Collection(EngineCollection.Name)]
public sealed class AllocationTests(EngineFixture fixture)
{

    private async Task<long> AllocatedOnInferenceThreadAsync(GenerationRequest request, int tokens)
    {
        var before = await fixture.Engine.InspectAsync(_ => GC.GetAllocatedBytesForCurrentThread());
        await fixture.Engine.Submit(request with { MaxTokens = tokens }).Completion;
        return await fixture.Engine.InspectAsync(_ => GC.GetAllocatedBytesForCurrentThread()) - before;
    }

    [Theory]
    [InlineData(null, 1f, null)]
    [InlineData(null, 0f, null)]
    [InlineData("Be kind", 1f, null)]
    [InlineData("Be kind", 0f, null)]
    [InlineData(null, 1f, 5)]
    [InlineData("Be kind", 1f, 5)]
    public async Task A_longer_generation_allocates_no_more_on_the_inference_thread(string? principle, float temperature, int? topLogprobs)
    {
        var request = new GenerationRequest
        {
            Prompt = "What is the answer to the question",
            Principle = principle,
            TopLogprobs = topLogprobs,
            Sampling = new() { Temperature = temperature, TopP = 0.9f, Seed = 3, LogitBias = Requests.NoEndOfGeneration },
            Stop = ["never appears"],
        };
        // Warm-up: the first request of each length rents its token record from a pool bucket not used before.
        await AllocatedOnInferenceThreadAsync(request, 8);
        await AllocatedOnInferenceThreadAsync(request, 8 + 200);

        var shortRun = await AllocatedOnInferenceThreadAsync(request, 8);
        var longRun = await AllocatedOnInferenceThreadAsync(request, 8 + 200);

        Assert.True(longRun - shortRun < 200, $"200 more tokens allocated {longRun - shortRun} more bytes on the inference thread");
    }

    [Theory]
    [InlineData(1f, false)]
    [InlineData(0f, true)]
    [InlineData(1f, true)]
    public async Task Several_principles_and_diagnostics_allocate_nothing_more_per_token(float temperature, bool diagnostics)
    {
        var request = new GenerationRequest
        {
            Prompt = "What is the answer to the question",
            Principles = [new SteeringPrinciple("Be kind", 2f), new SteeringPrinciple("Be brief", -2f)],
            AlignmentDiagnostics = diagnostics,
            Sampling = new() { Temperature = temperature, TopP = 0.9f, Seed = 3, LogitBias = Requests.NoEndOfGeneration },
        };
        await AllocatedOnInferenceThreadAsync(request, 8);
        await AllocatedOnInferenceThreadAsync(request, 8 + 200);

        var shortRun = await AllocatedOnInferenceThreadAsync(request, 8);
        var longRun = await AllocatedOnInferenceThreadAsync(request, 8 + 200);

        Assert.True(longRun - shortRun < 200, $"200 more tokens allocated {longRun - shortRun} more bytes on the inference thread");
    }
}
