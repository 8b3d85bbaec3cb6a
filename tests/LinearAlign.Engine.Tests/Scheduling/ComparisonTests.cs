using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>
/// A comparison decodes one aligned request three ways at once: linear alignment (W and U), the principle in the
/// prompt only (W alone) and the base model (U alone), on four sequences admitted together.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class ComparisonTests(EngineFixture fixture)
{
    private const string Prompt = "What is the answer to the question";
    private const string Principle = "Be kind to the user";

    private static readonly GenerationRequest Seeded = Requests.Aligned(Prompt, Principle, 3f, maxTokens: 24) with
    {
        Sampling = new SamplingParameters { Temperature = 0.9f, TopP = 0.95f, Seed = 1234 },
    };

    [Fact]
    public async Task Each_choice_is_what_its_own_request_gives_alone_with_the_same_seed()
    {
        var compared = await Task.WhenAll(fixture.Engine.SubmitComparison(Seeded).Select(stream => stream.Completion));

        var aligned = await fixture.Engine.Submit(Seeded).Completion;
        var principleInPrompt = await fixture.Engine.Submit(Seeded with { Principle = null, Prompt = PromptBuilder.WithPrinciple(Prompt, Principle) }).Completion;
        var baseModel = await fixture.Engine.Submit(Seeded with { Principle = null }).Completion;
        Assert.Equal([aligned.Text, principleInPrompt.Text, baseModel.Text], compared.Select(result => result.Text));
        Assert.Equal(
            [aligned.Usage.CompletionTokens, principleInPrompt.Usage.CompletionTokens, baseModel.Usage.CompletionTokens],
            compared.Select(result => result.Usage.CompletionTokens));
    }

    [Fact]
    public async Task A_comparison_batched_with_other_requests_gives_the_choices_it_gives_alone()
    {
        var alone = await Task.WhenAll(fixture.Engine.SubmitComparison(Seeded).Select(stream => stream.Completion));
        GenerationRequest[] others =
        [
            Requests.Plain("How do you answer", maxTokens: 30),
            Requests.Aligned("The principle is", "Answer the question", 2f, maxTokens: 9),
            Seeded with { Sampling = Seeded.Sampling with { Seed = 99 } },
        ];

        var othersRunning = others.Select(request => fixture.Engine.Submit(request).Completion).ToArray();
        var together = await Task.WhenAll(fixture.Engine.SubmitComparison(Seeded).Select(stream => stream.Completion));
        await Task.WhenAll(othersRunning);

        Assert.Equal(alone.Select(result => result.Text), together.Select(result => result.Text));
        var census = await fixture.Engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
    }

    [Fact]
    public async Task Each_choice_reports_the_prompt_it_was_decoded_from_and_only_linear_alignment_reports_alignment()
    {
        var compared = await Task.WhenAll(fixture.Engine.SubmitComparison(Seeded).Select(stream => stream.Completion));

        var withPrinciple = fixture.Engine.Prompts.Tokenize(PromptBuilder.WithPrinciple(Prompt, Principle)).Length;
        var withoutPrinciple = fixture.Engine.Prompts.Tokenize(Prompt).Length;
        Assert.Equal([withPrinciple, withPrinciple, withoutPrinciple], compared.Select(result => result.Usage.PromptTokens));
        Assert.Equal(3f, compared[(int)ComparisonChoice.LinearAlignment].Alignment?.StepSize);
        Assert.Null(compared[(int)ComparisonChoice.PrincipleInPrompt].Alignment);
        Assert.Null(compared[(int)ComparisonChoice.Base].Alignment);
    }

    [Fact]
    public async Task All_three_choices_are_decoded_in_the_steps_one_aligned_request_takes()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4, PromptCache = false });
        var request = Seeded with { Sampling = Seeded.Sampling with { IgnoreEndOfGeneration = true } };
        using var steps = EngineCounter.DecodeSteps(engine);

        await engine.Submit(request).Completion;
        var alignedSteps = steps.Take();
        var compared = await Task.WhenAll(engine.SubmitComparison(request).Select(stream => stream.Completion));

        Assert.InRange(alignedSteps, request.MaxTokens!.Value, request.MaxTokens.Value + 2);
        Assert.Equal(alignedSteps, steps.Take());
        Assert.All(compared, result => Assert.Equal(request.MaxTokens, result.Usage.CompletionTokens));
    }

    [Fact]
    public async Task Cancelling_a_comparison_ends_every_choice_and_frees_its_four_sequences()
    {
        using var cancellation = new CancellationTokenSource();
        var streams = fixture.Engine.SubmitComparison(
            Seeded with { MaxTokens = 2000, Sampling = Seeded.Sampling with { IgnoreEndOfGeneration = true } }, cancellation.Token);

        await foreach (var _ in streams[(int)ComparisonChoice.Base].ReadDeltasAsync())
        {
            await cancellation.CancelAsync();
            break;
        }
        var results = await Task.WhenAll(streams.Select(stream => stream.Completion));

        Assert.All(results, result => Assert.Equal(FinishReason.Cancelled, result.FinishReason));
        var census = await fixture.Engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
    }

    [Fact]
    public void A_comparison_without_a_principle_is_refused_naming_alignment_compare()
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.SubmitComparison(Seeded with { Principle = null }));

        Assert.Equal(EngineErrorCode.InvalidParameter, error.Code);
        Assert.Equal("alignment_compare", error.Param);
    }

    [Fact]
    public async Task A_comparison_is_refused_when_the_server_runs_fewer_than_four_sequences()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 3 });

        var error = Assert.Throws<EngineException>(() => engine.SubmitComparison(Seeded));

        Assert.Equal("alignment_compare", error.Param);
        Assert.Contains("Engine:MaxSequences", error.Message);
    }
}
