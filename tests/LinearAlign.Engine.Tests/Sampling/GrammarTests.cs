using System.Text.RegularExpressions;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>
/// A GBNF grammar constrains what is drawn: plain, aligned (within the principled nucleus, or over the whole aligned
/// distribution where the two leave nothing) and each choice of a comparison; once complete it ends generation.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed partial class GrammarTests(EngineFixture fixture)
{
    private const string Prompt = "What is the answer to the question";
    private const string Principle = "Be kind";

    /// <summary>A small JSON object of bounded size: every sequence it allows ends.</summary>
    private const string ObjectGrammar = """
        root ::= "{\"answer\": " answer ", \"score\": " score "}"
        answer ::= "\"" [a-z ]{1,12} "\""
        score ::= [0-9] | [1-9] [0-9]
        """;

    [GeneratedRegex("""^\{"answer": "[a-z ]{1,12}", "score": (\d|[1-9]\d)\}$""")]
    private static partial Regex ObjectText();

    private static GenerationRequest Constrained(SamplingParameters sampling) =>
        Requests.Plain(Prompt, maxTokens: 64) with { Sampling = sampling with { Grammar = ObjectGrammar } };

    public static TheoryData<string, float, float> Samplings => new()
    {
        { "greedy", 0f, 1f },
        { "sampled", 1f, 1f },
        { "reference sampling", 0.5f, 0.8f },
    };

    [Theory]
    [MemberData(nameof(Samplings))]
    public async Task A_plain_request_writes_what_the_grammar_allows_and_stops_when_it_is_complete(string _, float temperature, float topP)
    {
        var result = await fixture.Engine.Submit(Constrained(new SamplingParameters { Temperature = temperature, TopP = topP, Seed = 5 })).Completion;

        Assert.Matches(ObjectText(), result.Text);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
    }

    [Theory]
    [MemberData(nameof(Samplings))]
    public async Task An_aligned_request_writes_what_the_grammar_allows_and_stops_when_it_is_complete(string _, float temperature, float topP)
    {
        var request = Constrained(new SamplingParameters { Temperature = temperature, TopP = topP, Seed = 5 }) with { Principle = Principle, StepSize = 4f };

        var result = await fixture.Engine.Submit(request).Completion;

        Assert.Matches(ObjectText(), result.Text);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
    }

    [Fact]
    public async Task Where_the_principled_nucleus_allows_nothing_the_grammar_does_the_grammar_draws_from_the_aligned_distribution()
    {
        // A one-token nucleus almost never holds the one character the grammar needs next.
        var request = Constrained(Requests.Greedy with { TopP = 1e-6f }) with { Principle = Principle, StepSize = 4f };

        var result = await fixture.Engine.Submit(request).Completion;

        Assert.Matches(ObjectText(), result.Text);
    }

    [Fact]
    public async Task Each_choice_of_a_comparison_follows_the_grammar()
    {
        var request = Constrained(new SamplingParameters { Temperature = 1f, Seed = 9 }) with { Principle = Principle, StepSize = 4f };

        var choices = await Task.WhenAll(fixture.Engine.SubmitComparison(request).Select(stream => stream.Completion));

        Assert.All(choices, choice => Assert.Matches(ObjectText(), choice.Text));
    }

    [Fact]
    public async Task A_grammar_cut_short_by_max_tokens_ends_with_length()
    {
        var result = await fixture.Engine.Submit(Constrained(Requests.Greedy) with { MaxTokens = 3 }).Completion;

        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.StartsWith(result.Text, """{"answer": """, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_preempted_request_resumes_its_grammar_where_it_was()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 8 }, new ModelOptions
        {
            Path = EngineFixture.ModelOptions.Path,
            ContextSize = 96,
            BatchSize = EngineFixture.ModelOptions.BatchSize,
            Threads = 1,
        });
        // The earlier request is well on its way when the later one arrives: its growth then takes the later one's
        // cells while that one is inside its grammar.
        var letters = Requests.Plain(Prompt, maxTokens: 80) with { Sampling = new SamplingParameters { Temperature = 1f, Seed = 4, Grammar = "root ::= [a-z]{60}" } };
        var alone = await engine.Submit(letters).Completion;
        var earlier = Requests.Plain("How do you answer the question", maxTokens: 80) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        };
        using var preemptions = Scheduling.EngineCounter.Preemptions(engine);

        using var steps = Scheduling.EngineCounter.DecodeSteps(engine);
        var later = new TaskCompletionSource<GenerationStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Submitted on the inference thread at the earlier request's 60th step, whatever this thread's timing.
        steps.Counted += () =>
        {
            if (steps.Total != 60)
            {
                return;
            }
            try
            {
                later.SetResult(engine.Submit(letters));
            }
            catch (Exception error)
            {
                later.SetException(error);
            }
        };

        var first = engine.Submit(earlier);
        var laterResult = await (await later.Task).Completion;
        await first.Completion;

        Assert.True(preemptions.Total > 0, "nothing was preempted");
        Assert.Matches("^[a-z]{60}$", laterResult.Text);
        Assert.Equal(alone.Text, laterResult.Text);
    }

    [Fact]
    public async Task A_grammar_whose_next_tokens_are_all_banned_ends_the_reply()
    {
        // Once the object is complete the grammar allows only the end-of-generation tokens, which the bias bans.
        var result = await fixture.Engine.Submit(Constrained(Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration })).Completion;

        Assert.Matches(ObjectText(), result.Text);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
    }

    [Fact]
    public void A_grammar_that_does_not_parse_is_refused()
    {
        var unparsable = Requests.Plain(Prompt) with { Sampling = Requests.Greedy with { Grammar = "root ::= (" } };

        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(unparsable));

        Assert.Equal("response_format", error.Param);
    }

    [Fact]
    public void A_grammar_with_ignore_eos_is_refused()
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Constrained(Requests.Greedy with { IgnoreEndOfGeneration = true })));

        Assert.Equal("ignore_eos", error.Param);
    }
}
