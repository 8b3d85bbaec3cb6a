using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Measurement;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests.Measurement;

/// <summary>What benchmarks read from the engine through its measurement surface.</summary>
[Collection(EngineCollection.Name)]
public sealed class ProbeTests(EngineFixture fixture)
{
    [Fact]
    public async Task Sampled_logits_are_one_full_row_per_generated_token()
    {
        var request = Requests.Aligned("What is the answer", "Be kind", 2f, maxTokens: 5) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        };

        var rows = await EngineProbe.SampledLogitsAsync(fixture.Engine, request);

        Assert.Equal(5, rows.Count);
        Assert.All(rows, row => Assert.Equal(fixture.Model.VocabularySize, row.Length));
    }

    [Fact]
    public async Task A_probe_samples_the_token_the_engine_samples_from_the_same_rows()
    {
        var request = Requests.Aligned("What is the answer", "Be kind", 0f, maxTokens: 4) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        };
        var result = await fixture.Engine.Submit(request).Completion;
        var rows = await EngineProbe.SampledLogitsAsync(fixture.Engine, request);
        using var probe = new SamplerProbe(request.Sampling, fixture.Model.VocabularySize);

        // At step 0 the rows the engine sampled from are W's own, so the probe's update leaves them as they are; its
        // bans come back from the bias, the rows' minus infinities made finite so that W − U is defined.
        var tokens = rows
            .Select(row => row.Select(logit => float.IsNegativeInfinity(logit) ? -1e30f : logit).ToArray())
            .Select(row => probe.SampleAligned(row, row, 0f, AlignmentMode.Reference))
            .ToArray();

        Assert.Equal(result.Text, string.Concat(tokens.Select(token => System.Text.Encoding.UTF8.GetString(Piece(token)))));
    }

    [Fact]
    public async Task The_inference_thread_s_allocation_count_only_grows()
    {
        var before = await EngineProbe.InferenceThreadAllocatedBytesAsync(fixture.Engine);
        await fixture.Engine.Submit(Requests.Plain("What is it", maxTokens: 3)).Completion;

        Assert.True(await EngineProbe.InferenceThreadAllocatedBytesAsync(fixture.Engine) >= before);
    }

    private byte[] Piece(int token)
    {
        var buffer = new byte[256];
        return buffer[..fixture.Model.TokenToPiece(token, buffer)];
    }
}
