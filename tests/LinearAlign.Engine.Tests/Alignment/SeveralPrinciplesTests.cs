using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Alignment;

/// <summary>
/// Several principles in one request: each is one more sequence in the same batch, and aligned =
/// l_U + Σ_i (1 + s_i)(l_{W_i} − l_U).
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SeveralPrinciplesTests(EngineFixture fixture)
{
    private const string Prompt = "What is the answer to the question";

    public static TheoryData<string[], float[]> MixedSigns => new()
    {
        { ["Be kind to the user", "Answer the question"], [2f, -3f] },
        { ["Be kind to the user", "Answer the question", "Be helpful"], [1.5f, -2f, 0.5f] },
        { ["Answer as a principle", "Be kind", "The question is"], [-1.5f, 3f, -4f] },
    };

    /// <summary>Three principles, mixed signs, generating until cancelled (or 400 tokens).</summary>
    private static readonly GenerationRequest ThreePrinciplesRunningLong = Requests.Plain(Prompt, maxTokens: 400) with
    {
        Principles = [new SteeringPrinciple("Be kind to the user", 2f), new SteeringPrinciple("Answer the question", -2f), new SteeringPrinciple("Be brief", 1f)],
        Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
    };

    [Theory]
    [InlineData(2f)]
    [InlineData(-3f)]
    public async Task One_entry_of_principles_decodes_bit_for_bit_as_principle_and_step_size(float stepSize)
    {
        var single = new List<float[]>();
        var listed = new List<float[]>();
        var request = Requests.Aligned(Prompt, "Be kind to the user", stepSize, maxTokens: 12);

        var expected = await fixture.Engine.Submit(request with { LogitsObserver = l => single.Add(l.ToArray()) }).Completion;
        var actual = await fixture.Engine.Submit(request with
        {
            Principle = null,
            StepSize = null,
            Principles = [new SteeringPrinciple("Be kind to the user", stepSize)],
            LogitsObserver = l => listed.Add(l.ToArray()),
        }).Completion;

        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(single, listed);
    }

    [Theory]
    [MemberData(nameof(MixedSigns))]
    public async Task Batched_engine_gives_the_same_greedy_tokens_as_a_separate_context_per_principle(string[] principles, float[] stepSizes)
    {
        var engineLogits = new List<float[]>();
        var request = Requests.Plain(Prompt, maxTokens: 10) with
        {
            Principles = [.. principles.Zip(stepSizes, (text, step) => new SteeringPrinciple(text, step))],
            LogitsObserver = l => engineLogits.Add(l.ToArray()),
        };

        var result = await fixture.Engine.Submit(request).Completion;
        var oracle = new SeparateContextsOracle(fixture.Model).DecodeSeveral(
            [.. principles.Select(principle => fixture.Model.Tokenize(PromptBuilder.WithPrinciple(Prompt, principle)))],
            stepSizes,
            fixture.Model.Tokenize(Prompt),
            maxTokens: 10);

        LogitAssert.Close(oracle.AlignedLogits, engineLogits, stepSizes.Sum(MathF.Abs) + principles.Length);
        Assert.Equal(new SeparateContextsOracle(fixture.Model).Text(oracle.Tokens), result.Text);
    }

    [Fact]
    public async Task Every_step_zero_decodes_as_the_product_of_plain_prompting_with_each_principle()
    {
        var atZero = new List<float[]>();
        var atOne = new List<float[]>();
        GenerationRequest Request(float step, List<float[]> into) => Requests.Plain(Prompt, maxTokens: 8) with
        {
            Principles = [new SteeringPrinciple("Be kind to the user", step), new SteeringPrinciple("Answer the question", step)],
            LogitsObserver = l => into.Add(l.ToArray()),
        };

        var zero = await fixture.Engine.Submit(Request(0f, atZero)).Completion;
        var oracle = new SeparateContextsOracle(fixture.Model).DecodeSeveral(
            [fixture.Model.Tokenize(PromptBuilder.WithPrinciple(Prompt, "Be kind to the user")), fixture.Model.Tokenize(PromptBuilder.WithPrinciple(Prompt, "Answer the question"))],
            [0f, 0f],
            fixture.Model.Tokenize(Prompt),
            maxTokens: 8);

        Assert.Equal(new SeparateContextsOracle(fixture.Model).Text(oracle.Tokens), zero.Text);
        LogitAssert.Close(oracle.AlignedLogits, atZero, 2f);
    }

    [Fact]
    public async Task Each_later_principle_reports_the_prefix_it_copies_from_the_first()
    {
        var result = await fixture.Engine.Submit(Requests.Plain(Prompt, maxTokens: 2) with
        {
            Principles = [new SteeringPrinciple("Be kind to the user", 2f), new SteeringPrinciple("Be kind and helpful", -1f)],
        }).Completion;

        var first = fixture.Model.Tokenize(PromptBuilder.WithPrinciple(Prompt, "Be kind to the user"));
        var second = fixture.Model.Tokenize(PromptBuilder.WithPrinciple(Prompt, "Be kind and helpful"));
        var common = first.AsSpan().CommonPrefixLength(second);
        var applied = result.Alignment!.Principles;
        Assert.Equal([2f, -1f], applied.Select(principle => principle.StepSize));
        Assert.Equal(second.Length - fixture.Model.Tokenize(Prompt).Length, applied[1].PrincipleTokens);
        Assert.Equal(common, applied[1].SharedPrefixTokens);
        Assert.True(common > 1, "the two principles' prompts share more than BOS");
    }

    [Fact]
    public async Task A_comparison_with_several_principles_puts_those_steered_toward_in_one_system_message_for_choice_one()
    {
        var sampling = new SamplingParameters { Temperature = 0.9f, TopP = 0.95f, Seed = 55 };
        var request = new GenerationRequest
        {
            Messages = [new ChatMessage(ChatMessage.User, Prompt)],
            Principles = [new SteeringPrinciple("Be kind to the user", 2f), new SteeringPrinciple("Be brief", -3f), new SteeringPrinciple("Answer the question", 0.5f)],
            Sampling = sampling,
            MaxTokens = 16,
        };

        var compared = await Task.WhenAll(fixture.Engine.SubmitComparison(request).Select(stream => stream.Completion));

        var aligned = await fixture.Engine.Submit(request).Completion;
        var inPrompt = await fixture.Engine.Submit(request with
        {
            Principles = null,
            Messages = PromptBuilder.WithPrinciple(request.Messages, "Be kind to the user" + PromptBuilder.PrincipleSeparator + "Answer the question"),
        }).Completion;
        var baseModel = await fixture.Engine.Submit(request with { Principles = null }).Completion;
        Assert.Equal([aligned.Text, inPrompt.Text, baseModel.Text], compared.Select(result => result.Text));
        await AssertEngineIdleAsync();
    }

    [Fact]
    public async Task A_request_with_several_principles_cancelled_mid_prefill_or_generation_leaves_no_sequence_behind()
    {
        using var cancellation = new CancellationTokenSource();
        var cancelled = fixture.Engine.Submit(ThreePrinciplesRunningLong, cancellation.Token);
        var finished = fixture.Engine.Submit(ThreePrinciplesRunningLong with { MaxTokens = 5 });

        await foreach (var _ in cancelled.ReadDeltasAsync())
        {
            await cancellation.CancelAsync();
        }

        Assert.Equal(FinishReason.Cancelled, (await cancelled.Completion).FinishReason);
        Assert.Equal(FinishReason.Length, (await finished.Completion).FinishReason);
        await AssertEngineIdleAsync();
    }

    [Fact]
    public async Task A_request_with_three_principles_holds_four_sequences_in_one_step_s_batch()
    {
        using var cancellation = new CancellationTokenSource();
        var stream = fixture.Engine.Submit(ThreePrinciplesRunningLong, cancellation.Token);
        SequenceCensus? census = null;
        await foreach (var _ in stream.ReadDeltasAsync())
        {
            census ??= await fixture.Engine.SequenceCensusAsync();
            await cancellation.CancelAsync();
        }

        Assert.Equal(4, census!.Running.Distinct().Count());
        Assert.Subset(census.Occupied.ToHashSet(), census.Running.ToHashSet());
    }

    [Fact]
    public async Task More_principles_than_the_server_has_sequences_for_are_refused_naming_principles()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 3 });
        var request = Requests.Plain(Prompt) with
        {
            Principles = [new SteeringPrinciple("Be kind", 1f), new SteeringPrinciple("Be brief", 1f), new SteeringPrinciple("Be helpful", 1f)],
        };

        var error = Assert.Throws<EngineException>(() => engine.Submit(request));

        Assert.Equal((EngineErrorCode.InvalidParameter, "principles"), (error.Code, error.Param));
    }

    private async Task AssertEngineIdleAsync()
    {
        var census = await fixture.Engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
    }
}
