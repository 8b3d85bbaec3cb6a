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

    private static List<int> Draw(SamplingParameters parameters, float[] withoutPrinciple, int count)
    {
        using var sampler = new TokenSampler(parameters, Vocabulary, aligned: true);
        return Enumerable.Range(0, count)
            .Select(_ => sampler.SampleAligned(WithPrinciple, withoutPrinciple, 2f, AlignmentMode.Reference, observer: null))
            .ToList();
    }
}
