using LinearAlign.Engine.Sampling;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>The numbers llama.cpp's dist sampler draws, reproduced from its seed.</summary>
[Collection(EngineCollection.Name)]
public sealed unsafe class UniformDrawsTests
{
    [Fact]
    public void The_generator_is_std_mt19937()
    {
        // The C++ standard's check: the 10000th output of a default-constructed mt19937 (seed 5489).
        var draws = new UniformDraws(5489);
        uint output = 0;
        for (var i = 0; i < 10_000; i++)
        {
            output = draws.NextWord();
        }

        Assert.Equal(4123659995u, output);
    }

    [Theory]
    [InlineData(7u)]
    [InlineData(123456789u)]
    public void Each_number_is_the_one_llama_cpp_s_dist_sampler_draws_from_the_same_seed(uint seed)
    {
        // Over n equal logits (n a power of two, so every sum is exact) the sampler picks the first token whose running
        // sum reaches n·u: its choice pins u to 1/n.
        const int candidates = 4096;
        using var sampler = new SafeLlamaSamplerHandle(LlamaApi.SamplerInitDistribution(seed));
        var draws = new UniformDraws(seed);
        var data = new LlamaTokenData[candidates];
        for (var draw = 0; draw < 300; draw++)
        {
            for (var i = 0; i < candidates; i++)
            {
                data[i] = new LlamaTokenData { Id = i, Logit = 0f };
            }
            int selected;
            fixed (LlamaTokenData* pointer = data)
            {
                var array = new LlamaTokenDataArray { Data = pointer, Size = candidates, Selected = -1 };
                LlamaApi.SamplerApply(sampler, &array);
                selected = (int)array.Selected;
            }

            Assert.Equal(Math.Max(0, (int)Math.Ceiling(draws.Next() * candidates) - 1), selected);
        }
    }
}
