using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>
/// Log-probabilities: of the distribution each token was drawn from (the model's own for plain requests, the aligned
/// one over what the principled nucleus kept for aligned requests), with the most likely tokens, and for aligned
/// requests the token's log-probability under W and U alone.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class LogprobTests(EngineFixture fixture)
{
    private const string Prompt = "What is the answer to the question";
    private const string Principle = "Be kind";
    private const float Tolerance = 1e-4f;

    private static GenerationRequest Plain(int maxTokens = 8) =>
        Requests.Plain(Prompt, maxTokens) with { TopLogprobs = 5, Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration } };

    private static GenerationRequest Aligned(int maxTokens = 8) => Plain(maxTokens) with { Principle = Principle, StepSize = 3f };

    [Fact]
    public async Task A_plain_token_s_logprob_is_the_log_softmax_of_the_logits_it_was_drawn_from()
    {
        var rows = new List<float[]>();

        var result = await fixture.Engine.Submit(Plain() with { LogitsObserver = l => rows.Add(l.ToArray()) }).Completion;

        var logprobs = Assert.IsAssignableFrom<IReadOnlyList<TokenLogprob>>(result.Logprobs);
        Assert.Equal(rows.Count, logprobs.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Max() - LogSumExp(rows[i]), logprobs[i].Logprob, Tolerance);
        }
    }

    [Fact]
    public async Task The_top_logprobs_are_the_most_likely_tokens_in_order_the_greedy_choice_first()
    {
        var rows = new List<float[]>();

        var result = await fixture.Engine.Submit(Plain() with { LogitsObserver = l => rows.Add(l.ToArray()) }).Completion;

        for (var i = 0; i < rows.Count; i++)
        {
            var entry = result.Logprobs![i];
            var expected = rows[i].OrderDescending().Take(5).Select(logit => logit - LogSumExp(rows[i]));
            Assert.Equal(expected, entry.TopLogprobs.Select(top => top.Logprob), new ToleranceComparer());
            Assert.Equal(entry.Bytes, entry.TopLogprobs[0].Bytes);
        }
    }

    [Fact]
    public async Task The_tokens_spell_the_text_and_no_logprobs_come_unasked()
    {
        var asked = await fixture.Engine.Submit(Plain()).Completion;
        var unasked = await fixture.Engine.Submit(Plain() with { TopLogprobs = null }).Completion;

        Assert.Equal(asked.Text, string.Concat(asked.Logprobs!.Select(entry => entry.Token)));
        Assert.Equal(asked.Text.Length, asked.Logprobs![^1].TextOffset + asked.Logprobs[^1].Token.Length);
        Assert.Null(unasked.Logprobs);
    }

    [Fact]
    public async Task An_aligned_token_s_logprob_is_the_log_softmax_of_the_aligned_logits()
    {
        var rows = new List<float[]>();

        var result = await fixture.Engine.Submit(Aligned() with { LogitsObserver = l => rows.Add(l.ToArray()) }).Completion;

        Assert.Equal(rows.Count, result.Logprobs!.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Max() - LogSumExp(rows[i]), result.Logprobs[i].Logprob, Tolerance);
        }
    }

    [Fact]
    public async Task An_aligned_token_carries_its_logprob_under_W_alone_and_under_U_alone()
    {
        // At the first step W's logits are those of a plain request for the prompt with the principle, U's those of one without.
        var withPrinciple = new List<float[]>();
        var withoutPrinciple = new List<float[]>();
        await fixture.Engine.Submit(Plain(1) with { Prompt = PromptBuilder.WithPrinciple(Prompt, Principle), LogitsObserver = l => withPrinciple.Add(l.ToArray()) }).Completion;
        await fixture.Engine.Submit(Plain(1) with { LogitsObserver = l => withoutPrinciple.Add(l.ToArray()) }).Completion;
        var alignedRows = new List<float[]>();

        var first = (await fixture.Engine.Submit(Aligned(1) with { LogitsObserver = l => alignedRows.Add(l.ToArray()) }).Completion).Logprobs![0];

        var token = Array.IndexOf(alignedRows[0], alignedRows[0].Max());
        var alignment = Assert.NotNull(first.Alignment);
        Assert.Equal(withPrinciple[0][token] - LogSumExp(withPrinciple[0]), alignment.WithPrinciple, Tolerance);
        Assert.Equal(withoutPrinciple[0][token] - LogSumExp(withoutPrinciple[0]), alignment.WithoutPrinciple, Tolerance);
    }

    [Fact]
    public async Task A_plain_token_carries_no_principle_logprobs()
    {
        var result = await fixture.Engine.Submit(Plain()).Completion;

        Assert.All(result.Logprobs!, entry => Assert.Null(entry.Alignment));
    }

    [Fact]
    public async Task Under_a_one_token_principled_nucleus_each_aligned_token_is_certain_and_alone()
    {
        var result = await fixture.Engine.Submit(Aligned() with { Sampling = Requests.Greedy with { TopP = 1e-6f, LogitBias = Requests.NoEndOfGeneration } }).Completion;

        Assert.All(result.Logprobs!, entry =>
        {
            Assert.Equal(0f, entry.Logprob, Tolerance);
            Assert.Single(entry.TopLogprobs);
        });
    }

    [Fact]
    public async Task Streamed_logprobs_are_the_result_s_in_order()
    {
        var stream = fixture.Engine.Submit(Aligned(24));
        var streamed = new List<TokenLogprob>();
        await foreach (var delta in stream.ReadDeltasAsync())
        {
            streamed.AddRange(delta.Logprobs!);
        }

        Assert.Equal((await stream.Completion).Logprobs!, streamed, new SameToken());
    }

    [Fact]
    public async Task A_stop_string_takes_the_tokens_that_brought_it_out_of_the_logprobs()
    {
        var whole = await fixture.Engine.Submit(Plain(16)).Completion;
        var stop = whole.Logprobs![8].Token.Trim();

        var stopped = await fixture.Engine.Submit(Plain(16) with { Stop = [stop] }).Completion;

        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.All(stopped.Logprobs!, entry => Assert.True(entry.TextOffset < stopped.Text.Length));
        Assert.Equal(whole.Logprobs.Take(stopped.Logprobs!.Count), stopped.Logprobs, new SameToken());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(21)]
    public void Top_logprobs_outside_0_to_20_are_refused(int top)
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Plain() with { TopLogprobs = top }));

        Assert.Equal("top_logprobs", error.Param);
    }

    private static float LogSumExp(float[] logits)
    {
        var max = logits.Max();
        return max + (float)Math.Log(logits.Sum(logit => Math.Exp(logit - max)));
    }

    private sealed class ToleranceComparer : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < Tolerance;

        public int GetHashCode(float value) => 0;
    }

    private sealed class SameToken : IEqualityComparer<TokenLogprob>
    {
        public bool Equals(TokenLogprob? x, TokenLogprob? y) => x!.Token == y!.Token && x.TextOffset == y.TextOffset && x.Logprob == y.Logprob;

        public int GetHashCode(TokenLogprob value) => value.TextOffset;
    }
}
