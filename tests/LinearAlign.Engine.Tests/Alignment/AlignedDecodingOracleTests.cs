using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Alignment;

/// <summary>The batched engine (W and U as two sequences in one batch) must decode exactly as two separate contexts do.</summary>
[Collection(EngineCollection.Name)]
public sealed class AlignedDecodingOracleTests(EngineFixture fixture)
{
    public static TheoryData<string, string, float> Cases => new()
    {
        { "What is the answer to the question", "You are a kind and helpful assistant", 0f },
        { "What is the answer to the question", "You are a kind and helpful assistant", 2f },
        { "How do you answer", "Answer as a principle", 3f },
        { "The question is", "Be helpful", 15f },
        { "What is it", "Be kind to the user", -1.5f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Batched_engine_gives_the_same_greedy_tokens_and_logits_as_two_separate_contexts(string prompt, string principle, float stepSize)
    {
        var engineLogits = new List<float[]>();
        var request = Requests.Aligned(prompt, principle, stepSize, maxTokens: 10) with { LogitsObserver = l => engineLogits.Add(l.ToArray()) };

        var result = await fixture.Engine.Submit(request).Completion;
        var oracle = new SeparateContextsOracle(fixture.Model).Decode(
            fixture.Model.Tokenize(PromptBuilder.WithPrinciple(prompt, principle)),
            fixture.Model.Tokenize(prompt),
            stepSize,
            maxTokens: 10);

        LogitAssert.Close(oracle.AlignedLogits, engineLogits, stepSize);
        Assert.Equal(new SeparateContextsOracle(fixture.Model).Text(oracle.Tokens), result.Text);
    }

    [Fact]
    public async Task Normalized_mode_decodes_as_two_separate_contexts_with_the_normalised_update()
    {
        const string prompt = "What is the answer to the question";
        const string principle = "You are a kind and helpful assistant";
        var engineLogits = new List<float[]>();
        var request = Requests.Aligned(prompt, principle, 8f, maxTokens: 10) with
        {
            Mode = AlignmentMode.Normalized,
            LogitsObserver = l => engineLogits.Add(l.ToArray()),
        };

        var result = await fixture.Engine.Submit(request).Completion;
        var oracle = new SeparateContextsOracle(fixture.Model).Decode(
            fixture.Model.Tokenize(PromptBuilder.WithPrinciple(prompt, principle)),
            fixture.Model.Tokenize(prompt),
            8f,
            maxTokens: 10,
            normalized: true);

        LogitAssert.Close(oracle.AlignedLogits, engineLogits, 8f);
        Assert.Equal(new SeparateContextsOracle(fixture.Model).Text(oracle.Tokens), result.Text);
    }

    [Fact]
    public async Task A_large_step_changes_the_greedy_tokens()
    {
        const string prompt = "What is the answer to the question";
        const string principle = "You are a kind and helpful assistant";

        var plain = await fixture.Engine.Submit(Requests.Aligned(prompt, principle, 0f, maxTokens: 10)).Completion;
        var aligned = await fixture.Engine.Submit(Requests.Aligned(prompt, principle, 15f, maxTokens: 10)).Completion;

        Assert.NotEqual(plain.Text, aligned.Text);
    }

    [Fact]
    public async Task Step_size_zero_decodes_as_plain_prompting_with_the_principle()
    {
        const string prompt = "How do you answer";
        const string principle = "Be helpful";
        var alignedLogits = new List<float[]>();
        var plainLogits = new List<float[]>();

        var aligned = await fixture.Engine.Submit(
            Requests.Aligned(prompt, principle, 0f) with { LogitsObserver = l => alignedLogits.Add(l.ToArray()) }).Completion;
        var plain = await fixture.Engine.Submit(
            Requests.Plain(PromptBuilder.WithPrinciple(prompt, principle)) with { LogitsObserver = l => plainLogits.Add(l.ToArray()) }).Completion;

        Assert.Equal(plain.Text, aligned.Text);
        LogitAssert.Close(plainLogits, alignedLogits, 0f);
    }
}
