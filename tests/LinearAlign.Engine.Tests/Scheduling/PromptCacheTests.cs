using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;
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

    [Fact]
    public async Task A_chat_growing_by_a_turn_computes_only_the_new_turn_with_the_logits_it_would_have_from_scratch()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4 });
        await using var uncached = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4, PromptCache = false });
        var cachedLogits = new List<float[]>();
        var freshLogits = new List<float[]>();

        var turn1 = await engine.Submit(Chat(FirstTurn)).Completion;
        var turn2 = await engine.Submit(Chat(SecondTurn(turn1.Text), observed: cachedLogits)).Completion;
        var fresh = await uncached.Submit(Chat(SecondTurn(turn1.Text), observed: freshLogits)).Completion;

        Assert.True(turn2.Usage.CachedPromptTokens >= turn1.Usage.PromptTokens, $"cached {turn2.Usage.CachedPromptTokens} of the first turn's {turn1.Usage.PromptTokens} prompt tokens");
        Assert.Equal(0, fresh.Usage.CachedPromptTokens);
        LogitAssert.Close(freshLogits, cachedLogits, stepSize: 0f);
        Assert.Equal(fresh.Text, turn2.Text);
    }

    [Fact]
    public async Task An_aligned_chat_growing_by_a_turn_takes_over_both_its_sequences()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4 });
        await using var uncached = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4, PromptCache = false });
        var cachedLogits = new List<float[]>();
        var freshLogits = new List<float[]>();

        var turn1 = await engine.Submit(Chat(FirstTurn, Principle)).Completion;
        var afterTurn1 = await engine.SequenceCensusAsync();
        var turn2 = await engine.Submit(Chat(SecondTurn(turn1.Text), Principle, cachedLogits)).Completion;
        var afterTurn2 = await engine.SequenceCensusAsync();
        var fresh = await uncached.Submit(Chat(SecondTurn(turn1.Text), Principle, freshLogits)).Completion;

        Assert.Equal(2, afterTurn1.Cached.Length);
        Assert.Equal(afterTurn1.Cached.Order(), afterTurn2.Cached.Order());
        Assert.True(afterTurn2.IsIdle, afterTurn2.ToString());
        Assert.True(turn2.Usage.CachedPromptTokens >= turn1.Usage.PromptTokens, $"cached {turn2.Usage.CachedPromptTokens} of the first turn's {turn1.Usage.PromptTokens} prompt tokens");
        LogitAssert.Close(freshLogits, cachedLogits, StepSize);
        Assert.Equal(fresh.Text, turn2.Text);
    }

    [Fact]
    public async Task A_plain_chat_continued_with_a_principle_lets_U_take_over_the_plain_sequence()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4 });
        await using var uncached = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 4, PromptCache = false });
        var cachedLogits = new List<float[]>();
        var freshLogits = new List<float[]>();

        var turn1 = await engine.Submit(Chat(FirstTurn)).Completion;
        var plainSequence = (await engine.SequenceCensusAsync()).Cached.Single();
        var turn2 = await engine.Submit(Chat(SecondTurn(turn1.Text), Principle, cachedLogits)).Completion;
        var afterTurn2 = await engine.SequenceCensusAsync();
        await uncached.Submit(Chat(SecondTurn(turn1.Text), Principle, freshLogits)).Completion;

        Assert.Contains(plainSequence, afterTurn2.Cached);
        Assert.Equal(2, afterTurn2.Cached.Length);
        Assert.True(turn2.Usage.CachedPromptTokens > 0, "W takes the shared prefix from U's cached cells");
        LogitAssert.Close(freshLogits, cachedLogits, StepSize);
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
