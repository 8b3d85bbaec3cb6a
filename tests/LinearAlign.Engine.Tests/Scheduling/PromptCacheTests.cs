using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>
/// Finished requests leave their KV cache sequences behind until the next admission; a request that starts the same
/// way takes them over and computes only the rest, with the logits it would have had from scratch. Each test runs its own engine so that
/// what the cache holds depends on that test alone.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class PromptCacheTests(EngineFixture fixture)
{
    private const float StepSize = 3f;
    private const string Principle = "Be kind to the user";

    private static readonly SamplingParameters RunToMaxTokens = Requests.Greedy with { IgnoreEndOfGeneration = true };

    private static GenerationRequest Chat(IReadOnlyList<ChatMessage> messages, string? principle = null, List<float[]>? observed = null) => new()
    {
        Messages = messages,
        Principle = principle,
        StepSize = principle is null ? null : StepSize,
        Sampling = RunToMaxTokens,
        MaxTokens = 10,
        LogitsObserver = observed is null ? null : logits => observed.Add(logits.ToArray()),
    };

    private static readonly ChatMessage[] FirstTurn =
    [
        new(ChatMessage.System, "You are a helpful assistant and you answer the question"),
        new(ChatMessage.User, "What is the answer to the question"),
    ];

    private static ChatMessage[] SecondTurn(string answer) =>
        [.. FirstTurn, new(ChatMessage.Assistant, answer), new(ChatMessage.User, "How do you answer it")];

    [Fact]
    public async Task A_repeated_prompt_reuses_all_but_its_last_token_and_gives_the_same_text()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4 });

        var first = await engine.Submit(Requests.Plain("What is the answer to the question")).Completion;
        var second = await engine.Submit(Requests.Plain("What is the answer to the question")).Completion;

        Assert.Equal(0, first.Usage.CachedPromptTokens);
        Assert.Equal(second.Usage.PromptTokens - 1, second.Usage.CachedPromptTokens);
        Assert.Equal(first.Text, second.Text);
    }

    /// <summary>What a chat's second turn got from an engine that ran its first turn, and from one with the cache off.</summary>
    private sealed record SecondTurnRun(
        GenerationResult Turn1, GenerationResult Turn2, GenerationResult Fresh,
        SequenceCensus AfterTurn1, SequenceCensus AfterTurn2, List<float[]> CachedLogits, List<float[]> FreshLogits);

    private async Task<SecondTurnRun> RunSecondTurnAsync(string? firstPrinciple, string? secondPrinciple)
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4 });
        await using var uncached = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4, PromptCache = false });
        var cachedLogits = new List<float[]>();
        var freshLogits = new List<float[]>();

        var turn1 = await engine.Submit(Chat(FirstTurn, firstPrinciple)).Completion;
        var afterTurn1 = await engine.SequenceCensusAsync();
        var turn2 = await engine.Submit(Chat(SecondTurn(turn1.Text), secondPrinciple, cachedLogits)).Completion;
        var afterTurn2 = await engine.SequenceCensusAsync();
        var fresh = await uncached.Submit(Chat(SecondTurn(turn1.Text), secondPrinciple, freshLogits)).Completion;
        return new SecondTurnRun(turn1, turn2, fresh, afterTurn1, afterTurn2, cachedLogits, freshLogits);
    }

    [Fact]
    public async Task A_chat_growing_by_a_turn_computes_only_the_new_turn_with_the_logits_it_would_have_from_scratch()
    {
        var run = await RunSecondTurnAsync(firstPrinciple: null, secondPrinciple: null);

        Assert.True(run.Turn2.Usage.CachedPromptTokens >= run.Turn1.Usage.PromptTokens, $"cached {run.Turn2.Usage.CachedPromptTokens} of the first turn's {run.Turn1.Usage.PromptTokens} prompt tokens");
        Assert.Equal(0, run.Fresh.Usage.CachedPromptTokens);
        LogitAssert.Close(run.FreshLogits, run.CachedLogits, stepSize: 0f);
        Assert.Equal(run.Fresh.Text, run.Turn2.Text);
    }

    [Fact]
    public async Task An_aligned_chat_growing_by_a_turn_takes_over_both_its_sequences()
    {
        var run = await RunSecondTurnAsync(Principle, Principle);

        Assert.Equal(2, run.AfterTurn1.Cached.Length);
        Assert.Equal(run.AfterTurn1.Cached.Order(), run.AfterTurn2.Cached.Order());
        Assert.True(run.AfterTurn2.IsIdle, run.AfterTurn2.ToString());
        Assert.True(run.Turn2.Usage.CachedPromptTokens >= run.Turn1.Usage.PromptTokens, $"cached {run.Turn2.Usage.CachedPromptTokens} of the first turn's {run.Turn1.Usage.PromptTokens} prompt tokens");
        LogitAssert.Close(run.FreshLogits, run.CachedLogits, StepSize);
        Assert.Equal(run.Fresh.Text, run.Turn2.Text);
    }

    [Fact]
    public async Task A_plain_chat_continued_with_a_principle_lets_U_take_over_the_plain_sequence()
    {
        var run = await RunSecondTurnAsync(firstPrinciple: null, Principle);

        Assert.Contains(run.AfterTurn1.Cached.Single(), run.AfterTurn2.Cached);
        Assert.Equal(2, run.AfterTurn2.Cached.Length);
        Assert.True(run.Turn2.Usage.CachedPromptTokens > 0, "W takes the shared prefix from U's cached cells");
        LogitAssert.Close(run.FreshLogits, run.CachedLogits, StepSize);
    }

    [Fact]
    public async Task Admitting_a_request_evicts_the_cached_prompts_it_does_not_take_over()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 8 });

        await engine.Submit(Requests.Plain("What is the answer to the question")).Completion;
        await engine.Submit(Requests.Plain("How do you answer the user")).Completion;
        var evicted = await engine.Submit(Requests.Plain("What is the answer to the question")).Completion;
        var kept = await engine.Submit(Requests.Plain("What is the answer to the question")).Completion;
        var census = await engine.SequenceCensusAsync();

        Assert.Equal(0, evicted.Usage.CachedPromptTokens);
        Assert.Equal(kept.Usage.PromptTokens - 1, kept.Usage.CachedPromptTokens);
        Assert.Single(census.Cached);
        Assert.True(census.IsIdle, census.ToString());
    }

    [Fact]
    public async Task When_cells_run_out_cached_prompts_are_evicted_and_the_request_still_runs()
    {
        var smallContext = new ModelOptions { Path = EngineFixture.ModelOptions.Path, ContextSize = 160, BatchSize = 128, Threads = 1 };
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4 }, smallContext);

        var first = await engine.Submit(Requests.Plain("What is the answer to the question", maxTokens: 60) with { Sampling = RunToMaxTokens }).Completion;
        var second = await engine.Submit(Requests.Plain("How do you answer the user", maxTokens: 140) with { Sampling = RunToMaxTokens }).Completion;
        var census = await engine.SequenceCensusAsync();

        Assert.Equal(0, second.Usage.CachedPromptTokens);
        Assert.Equal(140, second.Usage.CompletionTokens);
        Assert.Equal(60, first.Usage.CompletionTokens);
        Assert.Single(census.Cached);
        Assert.True(census.IsIdle, census.ToString());
    }

    [Fact]
    public async Task With_the_prompt_cache_off_finished_requests_leave_nothing_in_the_KV_cache()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4, PromptCache = false });

        await engine.Submit(Requests.Plain("What is the answer to the question")).Completion;
        var repeated = await engine.Submit(Requests.Aligned("What is the answer to the question", Principle, StepSize)).Completion;
        var census = await engine.SequenceCensusAsync();

        Assert.Equal(0, repeated.Usage.CachedPromptTokens);
        Assert.Empty(census.Occupied);
        Assert.True(census.IsIdle, census.ToString());
    }
}
