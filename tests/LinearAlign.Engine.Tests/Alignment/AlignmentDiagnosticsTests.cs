using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests.Alignment;

/// <summary>
/// With alignment diagnostics, each token says whether steering changed it (what the principled distribution P alone
/// would have chosen under the same draw) and how strongly the update acted; the result sums them up.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class AlignmentDiagnosticsTests(EngineFixture fixture)
{
    private const string Prompt = "What is the answer to the question";

    private static GenerationRequest Traced(float stepSize, SamplingParameters sampling, int maxTokens = 24) =>
        Requests.Aligned(Prompt, "Be kind to the user", stepSize, maxTokens) with
        {
            Sampling = sampling with { LogitBias = Requests.NoEndOfGeneration },
            AlignmentDiagnostics = true,
        };

    [Fact]
    public async Task At_step_zero_no_sampled_token_is_steered_because_both_draws_see_the_same_distribution()
    {
        var result = await fixture.Engine.Submit(Traced(0f, new SamplingParameters { Temperature = 1f, TopP = 0.9f })).Completion;

        Assert.Equal(24, result.Steering!.Count);
        Assert.Equal(0, result.Diagnostics!.SteeredTokens);
        Assert.All(result.Steering, token => Assert.Equal(token.PrincipleProbability, token.Probability, 1e-5f));
        Assert.Equal(0f, result.Diagnostics.MeanDirectionNorm);
        Assert.Equal(0f, result.Diagnostics.MaxKlAlignedPrincipled, 1e-5f);
        Assert.True(result.Diagnostics.MeanKlPrincipledBase > 0f, "the principle moves W away from U");
    }

    [Fact]
    public async Task Several_principles_at_step_zero_steer_no_sampled_token_either()
    {
        var request = Traced(0f, new SamplingParameters { Temperature = 0.8f, Seed = 9 }) with
        {
            Principle = null,
            StepSize = null,
            Principles = [new SteeringPrinciple("Be kind to the user", 0f), new SteeringPrinciple("Answer the question", 0f)],
        };

        var result = await fixture.Engine.Submit(request).Completion;

        Assert.Equal(0, result.Diagnostics!.SteeredTokens);
    }

    [Fact]
    public async Task A_large_greedy_step_steers_tokens_away_from_the_principled_argmax()
    {
        var result = await fixture.Engine.Submit(Traced(15f, Requests.Greedy)).Completion;

        var steered = result.Steering!.Where(token => token.Steered).ToList();
        Assert.NotEmpty(steered);
        // P's greedy choice is its most probable token; steering picked a less probable one.
        Assert.All(steered, token => Assert.True(token.PrincipleChoice.Probability >= token.PrincipleProbability, $"{token}"));
        Assert.All(result.Steering!.Where(token => !token.Steered), token => Assert.Equal(token.PrincipleProbability, token.PrincipleChoice.Probability));
        Assert.True(result.Diagnostics!.MeanKlAlignedPrincipled > 0f);
    }

    [Fact]
    public async Task The_summary_counts_and_averages_the_tokens_of_the_reply()
    {
        var result = await fixture.Engine.Submit(Traced(4f, new SamplingParameters { Temperature = 0.9f, Seed = 21 })).Completion;

        var tokens = result.Steering!;
        var summary = result.Diagnostics!;
        Assert.Equal(result.Usage.CompletionTokens, summary.Steps);
        Assert.Equal(tokens.Count(token => token.Steered), summary.SteeredTokens);
        Assert.Equal(tokens.Average(token => token.KlAlignedPrincipled), summary.MeanKlAlignedPrincipled, 1e-5f);
        Assert.Equal(tokens.Max(token => token.KlPrincipledBase), summary.MaxKlPrincipledBase);
        Assert.Equal(tokens.Average(token => token.DirectionNorm), summary.MeanDirectionNorm, 1e-4f);
    }

    [Fact]
    public async Task Each_token_starts_where_its_text_starts_in_the_reply()
    {
        var result = await fixture.Engine.Submit(Traced(2f, Requests.Greedy)).Completion;

        var rebuilt = string.Concat(result.Steering!.Select(token => token.Text));
        Assert.Equal(result.Text, rebuilt);
        Assert.Equal(
            result.Steering!.Select(token => token.TextOffset),
            result.Steering!.Select((_, i) => result.Steering!.Take(i).Sum(token => token.Text.Length)));
    }

    [Fact]
    public async Task The_trace_streams_with_the_text_of_each_delta()
    {
        var stream = fixture.Engine.Submit(Traced(3f, new SamplingParameters { Temperature = 0.7f, Seed = 5 }));
        var streamed = new List<SteeredToken>();
        await foreach (var delta in stream.ReadDeltasAsync())
        {
            streamed.AddRange(delta.Steering!);
        }

        var result = await stream.Completion;
        Assert.Equal(result.Steering, streamed);
    }

    [Fact]
    public async Task Decoding_is_the_same_with_and_without_diagnostics()
    {
        var sampling = new SamplingParameters { Temperature = 0.9f, TopP = 0.8f, Seed = 12 };

        var traced = await fixture.Engine.Submit(Traced(3f, sampling)).Completion;
        var untraced = await fixture.Engine.Submit(Traced(3f, sampling) with { AlignmentDiagnostics = false }).Completion;

        Assert.Equal(untraced.Text, traced.Text);
        Assert.Null(untraced.Steering);
        Assert.Null(untraced.Diagnostics);
    }
}
