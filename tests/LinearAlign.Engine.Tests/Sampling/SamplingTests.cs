using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Sampling;

[Collection(EngineCollection.Name)]
public sealed class SamplingTests(EngineFixture fixture)
{
    private static GenerationRequest SampledAligned() =>
        Requests.Aligned("What is the answer to the question", "Be kind", 2f) with
        {
            Sampling = new SamplingParameters { Temperature = 1f, Seed = 3, LogitBias = Requests.NoEndOfGeneration },
        };

    private string Piece(int token) => fixture.Model.TokenText(token).Replace('▁', ' ');

    private static GenerationRequest Sampled(uint seed, string? principle = null) => new()
    {
        Prompt = "What is the answer to the question",
        Principle = principle,
        StepSize = 2f,
        Sampling = new SamplingParameters { Temperature = 1f, TopP = 0.95f, Seed = seed, LogitBias = Requests.NoEndOfGeneration },
        MaxTokens = 16,
    };

    [Theory]
    [InlineData(null)]
    [InlineData("Be kind")]
    public async Task The_same_seed_and_request_give_the_same_output(string? principle)
    {
        var first = await fixture.Engine.Submit(Sampled(42, principle)).Completion;
        var second = await fixture.Engine.Submit(Sampled(42, principle)).Completion;

        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task Different_seeds_give_different_outputs()
    {
        var texts = new HashSet<string>();
        foreach (var seed in new uint[] { 1, 2, 3, 4 })
        {
            texts.Add((await fixture.Engine.Submit(Sampled(seed, "Be kind")).Completion).Text);
        }

        Assert.True(texts.Count > 1);
    }

    [Fact]
    public async Task Max_tokens_ends_the_stream_with_finish_reason_length()
    {
        var result = await fixture.Engine.Submit(Sampled(7) with { MaxTokens = 5 }).Completion;

        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.Equal(5, result.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_stop_string_ends_the_stream_and_is_not_part_of_the_text()
    {
        var unstopped = await fixture.Engine.Submit(Requests.Plain("What is the answer to the question", 20) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        }).Completion;
        var stop = unstopped.Text.Substring(unstopped.Text.Length / 2, 3);

        var stopped = await fixture.Engine.Submit(Requests.Plain("What is the answer to the question", 20) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
            Stop = [stop],
        }).Completion;

        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal(unstopped.Text[..unstopped.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public async Task Logit_bias_forces_a_token()
    {
        var forced = fixture.Model.Tokenize("kind")[^1];

        var result = await fixture.Engine.Submit(Requests.Plain("What is it", 4) with
        {
            Sampling = Requests.Greedy with { LogitBias = new Dictionary<int, float> { [forced] = 100f } },
        }).Completion;

        Assert.Equal(string.Concat(Enumerable.Repeat(fixture.Model.TokenText(forced).Replace('▁', ' '), 4)), result.Text);
    }

    [Fact]
    public async Task Logit_bias_forces_a_token_in_an_aligned_request_whatever_the_principled_nucleus()
    {
        var forced = fixture.Model.Tokenize("kind")[^1];

        var result = await fixture.Engine.Submit(Requests.Aligned("What is it", "Be kind", 2f, 4) with
        {
            Sampling = Requests.Greedy with { TopP = 1e-6f, LogitBias = new Dictionary<int, float> { [forced] = 100f } },
        }).Completion;

        Assert.Equal(string.Concat(Enumerable.Repeat(Piece(forced), 4)), result.Text);
    }

    [Fact]
    public async Task A_logit_bias_moves_a_step_zero_aligned_request_as_it_moves_the_plain_request_with_the_principle()
    {
        var prompt = PromptBuilder.WithPrinciple("What is the answer to the question", "Be kind");
        var rows = new List<float[]>();
        await fixture.Engine.Submit(Requests.Plain(prompt, 1) with { LogitsObserver = l => rows.Add(l.ToArray()) }).Completion;
        var favourite = Array.IndexOf(rows[0], rows[0].Max());
        var runnerUp = Array.IndexOf(rows[0], rows[0].Where((_, token) => token != favourite).Max());
        // Just enough to put W's runner-up first: a plain request's top_p then keeps it, and so must the principled nucleus.
        var sampling = Requests.Greedy with
        {
            TopP = 1e-6f, LogitBias = new Dictionary<int, float> { [runnerUp] = rows[0][favourite] - rows[0][runnerUp] + 1f },
        };

        var plain = await fixture.Engine.Submit(Requests.Plain(prompt) with { Sampling = sampling }).Completion;
        var aligned = await fixture.Engine.Submit(Requests.Aligned("What is the answer to the question", "Be kind", 0f) with { Sampling = sampling }).Completion;

        Assert.StartsWith(Piece(runnerUp), plain.Text);
        Assert.Equal(plain.Text, aligned.Text);
    }

    [Fact]
    public async Task A_banned_token_is_never_emitted_even_when_it_is_the_whole_principled_nucleus()
    {
        // At step 0 the observer sees l_W itself, whose favourite is all a tiny top_p keeps of W's distribution.
        const string prompt = "What is the answer to the question";
        var principled = new List<float[]>();
        await fixture.Engine.Submit(Requests.Aligned(prompt, "Be kind", 0f, 1) with { LogitsObserver = l => principled.Add(l.ToArray()) }).Completion;
        var favourite = Array.IndexOf(principled[0], principled[0].Max());

        var banned = await fixture.Engine.Submit(Requests.Aligned(prompt, "Be kind", 15f, 1) with
        {
            Sampling = Requests.Greedy with { TopP = 1e-6f, LogitBias = new Dictionary<int, float> { [favourite] = -100f } },
        }).Completion;

        Assert.NotEqual(Piece(favourite), banned.Text);
    }

    [Fact]
    public async Task A_tiny_top_p_masks_the_aligned_distribution_down_to_the_principled_favourite()
    {
        var principledOnly = await fixture.Engine.Submit(Requests.Aligned("What is the answer to the question", "Be kind", 0f)).Completion;
        var updated = await fixture.Engine.Submit(Requests.Aligned("What is the answer to the question", "Be kind", 15f)).Completion;
        var masked = await fixture.Engine.Submit(Requests.Aligned("What is the answer to the question", "Be kind", 15f) with
        {
            Sampling = Requests.Greedy with { TopP = 1e-6f },
        }).Completion;

        Assert.NotEqual(principledOnly.Text, updated.Text);
        Assert.Equal(principledOnly.Text, masked.Text);
    }

    [Fact]
    public async Task Frequency_and_presence_penalties_stop_a_favoured_token_from_repeating()
    {
        var favoured = fixture.Model.Tokenize("kind")[^1];
        var bias = new Dictionary<int, float>(Requests.NoEndOfGeneration) { [favoured] = 20f };
        var piece = fixture.Model.TokenText(favoured).Replace('▁', ' ');

        var repeated = await fixture.Engine.Submit(Requests.Plain("What is it", 6) with
        {
            Sampling = Requests.Greedy with { LogitBias = bias },
        }).Completion;
        var penalised = await fixture.Engine.Submit(Requests.Plain("What is it", 6) with
        {
            Sampling = Requests.Greedy with { LogitBias = bias, FrequencyPenalty = 2f, PresencePenalty = 2f },
        }).Completion;

        Assert.Equal(string.Concat(Enumerable.Repeat(piece, 6)), repeated.Text);
        Assert.True(penalised.Text.Split(piece).Length - 1 < 6, penalised.Text);
    }

    [Theory]
    [InlineData("frequency and presence")]
    [InlineData("repeat")]
    public async Task Penalties_stop_a_favoured_token_from_repeating_in_an_aligned_request(string penalty)
    {
        var favoured = fixture.Model.Tokenize("kind")[^1];
        var bias = new Dictionary<int, float>(Requests.NoEndOfGeneration) { [favoured] = 30f };
        var biased = Requests.Greedy with { LogitBias = bias };

        var repeated = await fixture.Engine.Submit(Requests.Aligned("What is it", "Be kind", 2f, 6) with { Sampling = biased }).Completion;
        var penalised = await fixture.Engine.Submit(Requests.Aligned("What is it", "Be kind", 2f, 6) with
        {
            Sampling = penalty == "repeat" ? biased with { RepeatPenalty = 10f } : biased with { FrequencyPenalty = 2f, PresencePenalty = 2f },
        }).Completion;

        Assert.Equal(string.Concat(Enumerable.Repeat(Piece(favoured), 6)), repeated.Text);
        Assert.True(penalised.Text.Split(Piece(favoured)).Length - 1 < 6, penalised.Text);
    }

    [Theory]
    [InlineData("top_k")]
    [InlineData("min_p")]
    public async Task A_filter_keeping_only_the_most_likely_token_samples_an_aligned_request_greedily(string filter)
    {
        var greedy = await fixture.Engine.Submit(Requests.Aligned("What is the answer to the question", "Be kind", 2f) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        }).Completion;
        var sampled = await fixture.Engine.Submit(SampledAligned()).Completion;
        var sampling = SampledAligned().Sampling;
        var filtered = await fixture.Engine.Submit(SampledAligned() with
        {
            Sampling = filter == "top_k" ? sampling with { TopK = 1 } : sampling with { MinP = 1f },
        }).Completion;

        Assert.NotEqual(greedy.Text, sampled.Text);
        Assert.Equal(greedy.Text, filtered.Text);
    }

    [Fact]
    public async Task Ignoring_end_of_generation_holds_under_the_principled_mask()
    {
        // The tiny model ends a chat turn at once, so end of generation fills a tiny principled nucleus.
        var request = new GenerationRequest
        {
            Messages = [new(ChatMessage.User, "What is the answer to the question")],
            Principle = "Be kind",
            StepSize = 2f,
            MaxTokens = 9,
            Sampling = Requests.Greedy with { TopP = 1e-6f, IgnoreEndOfGeneration = true },
        };

        var result = await fixture.Engine.Submit(request).Completion;

        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.Equal(9, result.Usage.CompletionTokens);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Be kind")]
    public async Task Ignoring_end_of_generation_runs_a_chat_turn_to_max_tokens(string? principle)
    {
        // The tiny model ends a chat turn at once unless its end-of-generation tokens are forbidden.
        var request = new GenerationRequest
        {
            Messages = [new(ChatMessage.User, "What is the answer to the question")],
            Principle = principle,
            StepSize = 2f,
            MaxTokens = 9,
        };

        var ending = await fixture.Engine.Submit(request with { Sampling = Requests.Greedy }).Completion;
        var ignoring = await fixture.Engine.Submit(request with { Sampling = Requests.Greedy with { IgnoreEndOfGeneration = true } }).Completion;

        Assert.Equal(FinishReason.Stop, ending.FinishReason);
        Assert.Equal(FinishReason.Length, ignoring.FinishReason);
        Assert.Equal(9, ignoring.Usage.CompletionTokens);
    }
}
