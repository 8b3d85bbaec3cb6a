using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>The reference code's sampling rule on hand-made logits: the update, then the principled plausibility mask.</summary>
[Collection(EngineCollection.Name)]
public sealed class TokenSamplerTests
{
    private const int Vocabulary = 8;

    // W slightly prefers token 0 over token 1; U strongly prefers token 0, so the update pushes toward token 1.
    private static readonly float[] WithPrinciple = [5f, 4f, 0f, 0f, 0f, 0f, 0f, 0f];
    private static readonly float[] WithoutPrinciple = [5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f];

    // U infinitely sure of everything drives every aligned logit to minus infinity, so the mask keeps nothing.
    private static readonly float[] EmptyingTheMask = [.. Enumerable.Repeat(float.PositiveInfinity, Vocabulary)];

    private static int Sample(SamplingParameters parameters, float[] withoutPrinciple, float stepSize = 2f, int[]? endOfGeneration = null)
    {
        using var sampler = new TokenSampler(parameters, Vocabulary, aligned: true, endOfGeneration);
        return sampler.SampleAligned(WithPrinciple, withoutPrinciple, stepSize, AlignmentMode.Reference, observer: null);
    }

    [Fact]
    public void Greedy_picks_the_token_the_update_favours() =>
        Assert.Equal(1, Sample(new SamplingParameters { Temperature = 0f }, WithoutPrinciple));

    [Fact]
    public void A_token_outside_the_principled_nucleus_is_never_picked_however_much_the_update_favours_it() =>
        // softmax(W) gives token 0 about 0.7 of the mass, so top_p 0.5 keeps only token 0.
        Assert.Equal(0, Sample(new SamplingParameters { Temperature = 0f, TopP = 0.5f }, WithoutPrinciple));

    [Fact]
    public void When_the_mask_leaves_no_probability_the_principled_nucleus_is_sampled() =>
        Assert.Equal(0, Sample(new SamplingParameters { Temperature = 0f, TopP = 0.9f }, EmptyingTheMask));

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void A_banned_token_that_is_the_whole_principled_nucleus_is_never_picked(float temperature)
    {
        // top_p 0.5 keeps only token 0 of softmax(W); banned, it leaves token 1 as W's nucleus.
        var parameters = new SamplingParameters
        {
            Temperature = temperature, TopP = 0.5f, Seed = 5, LogitBias = new Dictionary<int, float> { [0] = -100f },
        };

        Assert.Equal(1, Sample(parameters, WithoutPrinciple));
    }

    [Fact]
    public void A_banned_token_is_never_picked_when_the_mask_falls_back_to_the_principled_nucleus()
    {
        var parameters = new SamplingParameters { Temperature = 0f, TopP = 0.5f, LogitBias = new Dictionary<int, float> { [0] = -100f } };

        Assert.Equal(1, Sample(parameters, EmptyingTheMask));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ignoring_end_of_generation_holds_when_it_is_the_whole_principled_nucleus(bool maskEmptied)
    {
        var parameters = new SamplingParameters { Temperature = 0f, TopP = 0.5f, IgnoreEndOfGeneration = true };

        Assert.Equal(1, Sample(parameters, maskEmptied ? EmptyingTheMask : WithoutPrinciple, endOfGeneration: [0]));
    }

    [Fact]
    public void A_positive_bias_brings_a_token_into_the_principled_nucleus()
    {
        // Without the bias top_p 0.5 keeps only token 0; a plain request's top_p would see token 2 at 100 and keep it.
        var parameters = new SamplingParameters { Temperature = 0f, TopP = 0.5f, LogitBias = new Dictionary<int, float> { [2] = 100f } };

        Assert.Equal(2, Sample(parameters, WithoutPrinciple));
    }

    [Fact]
    public void Sampling_with_a_seed_is_reproducible_and_stays_inside_the_nucleus()
    {
        // softmax(W) puts 0.97 of the mass on tokens 0 and 1, so top_p 0.95 keeps just those two.
        var parameters = new SamplingParameters { Temperature = 1f, TopP = 0.95f, Seed = 11 };
        float[] towardEverything = [5f, 4f, -9f, -9f, -9f, -9f, -9f, -9f];

        var first = Draw(parameters, towardEverything, 50);
        var second = Draw(parameters, towardEverything, 50);

        Assert.Equal(first, second);
        Assert.All(first, token => Assert.True(token is 0 or 1, $"token {token} is outside the nucleus"));
    }

    /// <summary>Twenty-four steps of a 49152-token vocabulary, from peaked (spread 8) to flat (spread 1) principled distributions.</summary>
    private static readonly Lazy<(float[] With, float[] Without)[]> PinnedSteps = new(() =>
    {
        var random = new Random(14);
        return [.. Enumerable.Range(0, 24).Select(step =>
        {
            var withPrinciple = RandomLogits.Distinct(random, 49152, spread: 8f / (1 << (step % 4)));
            return (withPrinciple, RandomLogits.Nearby(random, withPrinciple));
        })];
    });

    /// <summary>What each sampler drew over <see cref="PinnedSteps"/> while llama.cpp's top-p sampler found the nucleus.</summary>
    public static TheoryData<SamplingParameters, int[]> DrawsBeforeTheOwnTopP => new()
    {
        {
            // The reference code's evaluation defaults.
            new SamplingParameters { Temperature = 0.5f, TopP = 0.8f, Seed = 1 },
            [6830, 30820, 15711, 13178, 49139, 38473, 30659, 26825, 37215, 31814, 25404, 4306, 34142, 40968, 19133, 46248, 31874, 28887, 9357, 47506, 27221, 39105, 33994, 14391]
        },
        {
            // The first step's most probable token banned; two more moved.
            new SamplingParameters
            {
                Temperature = 1f, TopP = 0.95f, Seed = 2, LogitBias = new Dictionary<int, float> { [47598] = -100f, [34142] = 2f, [27221] = -2f },
            },
            [6830, 13156, 13212, 39174, 22820, 7318, 14707, 13052, 37768, 31814, 31707, 39781, 34142, 14074, 45995, 42408, 37747, 28887, 9357, 35961, 27221, 39105, 50, 38851]
        },
        {
            new SamplingParameters { Temperature = 0f, TopP = 0.5f },
            [47598, 28636, 16832, 20337, 49139, 7318, 36095, 42783, 18973, 31814, 25404, 4306, 34142, 40968, 19133, 25842, 31874, 28887, 9449, 6330, 27221, 39105, 13124, 13161]
        },
        {
            // Thousands of tokens in the nucleus on the flat steps.
            new SamplingParameters { Temperature = 1.5f, TopP = 0.99f, Seed = 3 },
            [47598, 4796, 14305, 14440, 14785, 38473, 6828, 4856, 18973, 9306, 13426, 17815, 34142, 37475, 3781, 7480, 13459, 22462, 3547, 14586, 27221, 8423, 36455, 48522]
        },
    };

    [Theory]
    [MemberData(nameof(DrawsBeforeTheOwnTopP))]
    public void Seeded_aligned_sampling_draws_the_tokens_it_drew_with_llama_cpp_top_p_as_the_mask(
        SamplingParameters parameters, int[] drawnBefore)
    {
        using var sampler = new TokenSampler(parameters, 49152, aligned: true);
        var drawn = PinnedSteps.Value
            .Select(step => sampler.SampleAligned(step.With, step.Without, 2f, AlignmentMode.Reference, observer: null))
            .ToArray();

        Assert.Equal(drawnBefore, drawn);
    }

    private static List<int> Draw(SamplingParameters parameters, float[] withoutPrinciple, int count)
    {
        using var sampler = new TokenSampler(parameters, Vocabulary, aligned: true);
        return Enumerable.Range(0, count)
            .Select(_ => sampler.SampleAligned(WithPrinciple, withoutPrinciple, 2f, AlignmentMode.Reference, observer: null))
            .ToList();
    }
}
