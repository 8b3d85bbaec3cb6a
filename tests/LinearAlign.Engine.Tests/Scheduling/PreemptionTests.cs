using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Scheduling;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>
/// KV cells are taken as tokens are generated. When a step's tokens do not fit, the latest arrival is preempted and
/// later resumes by recomputing its cells, its stream going on as if nothing had happened.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class PreemptionTests(EngineFixture fixture)
{
    private const string First = "What is the answer to the question";
    private const string Second = "How do you answer the question";

    /// <summary>Holds one long request at a time and a little of another: the later of two is preempted mid-generation.</summary>
    private static readonly ModelOptions SmallContext = new()
    {
        Path = EngineFixture.ModelOptions.Path,
        ContextSize = 256,
        BatchSize = EngineFixture.ModelOptions.BatchSize,
        Threads = 1,
    };

    private static readonly SamplingParameters Seeded = new() { Temperature = 0.9f, TopP = 0.95f, Seed = 77, LogitBias = Requests.NoEndOfGeneration };

    private static GenerationRequest Long(GenerationRequest request, int maxTokens) =>
        request with { MaxTokens = maxTokens, Sampling = request.Sampling with { LogitBias = Requests.NoEndOfGeneration } };

    [Fact]
    public async Task Two_open_ended_requests_both_get_tokens_within_a_few_steps_of_each_other()
    {
        using var cancellation = new CancellationTokenSource();
        var openEnded = Requests.Plain(First) with { MaxTokens = null, Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration } };
        var first = fixture.Engine.Submit(openEnded, cancellation.Token);
        await FirstDelta(first);
        using var steps = EngineCounter.DecodeSteps(fixture.Engine);
        using var firstTokens = EngineCounter.FirstTokens(fixture.Engine);
        var stepsAtSubmission = -1L;
        var stepsAtFirstToken = -1L;
        var submitted = new TaskCompletionSource<GenerationStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Submitted on the inference thread between two steps, so that the count does not depend on how long this
        // thread waits for a core.
        steps.Counted += () =>
        {
            if (Interlocked.CompareExchange(ref stepsAtSubmission, steps.Total, -1) == -1)
            {
                try
                {
                    submitted.SetResult(fixture.Engine.Submit(openEnded with { Prompt = Second }, cancellation.Token));
                }
                catch (Exception error)
                {
                    submitted.SetException(error);
                }
            }
        };
        firstTokens.Counted += () => stepsAtFirstToken = steps.Total;

        GenerationStream second;
        try
        {
            second = await submitted.Task;
            await FirstDelta(second);
        }
        finally
        {
            await cancellation.CancelAsync();
        }

        // Its prompt and first token take the next step. Cells for the whole context reserved at admission would have
        // kept it waiting for the first request's ~4000 tokens.
        Assert.InRange(stepsAtFirstToken - stepsAtSubmission, 1, 2);
        Assert.Equal(FinishReason.Cancelled, (await first.Completion).FinishReason);
        Assert.Equal(FinishReason.Cancelled, (await second.Completion).FinishReason);
    }

    [Fact]
    public async Task A_request_preempted_mid_generation_streams_the_same_greedy_text_as_alone()
    {
        await AssertSameAsAlone([Long(Requests.Plain(First), 150), Long(Requests.Plain(Second), 150)]);
    }

    [Fact]
    public async Task A_request_preempted_mid_generation_streams_the_same_seeded_text_as_alone()
    {
        GenerationRequest[] requests =
        [
            Requests.Plain(First, maxTokens: 150) with { Sampling = Seeded },
            Requests.Plain(Second, maxTokens: 150) with { Sampling = Seeded with { Seed = 78, RepeatPenalty = 1.3f } },
        ];

        await AssertSameAsAlone(requests);
    }

    [Fact]
    public async Task An_aligned_request_is_preempted_whole_and_gives_the_same_text_as_alone()
    {
        await AssertSameAsAlone(
        [
            Long(Requests.Aligned(First, "Be kind", 2f), 70),
            Long(Requests.Aligned(Second, "Answer the question", 3f), 70) with { Sampling = Seeded },
        ]);
    }

    [Fact]
    public async Task A_request_with_several_principles_is_preempted_whole_and_gives_the_same_text_as_alone()
    {
        await AssertSameAsAlone(
        [
            Long(Requests.Plain(First), 150),
            Long(Requests.Plain(Second), 60) with
            {
                Principles = [new SteeringPrinciple("Be kind", 2f), new SteeringPrinciple("Answer the question", -2f)],
                Sampling = Seeded,
            },
        ]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_comparison_is_preempted_whole_and_gives_each_choice_as_alone(bool severalPrinciples)
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 8 }, SmallContext);
        var comparison = Long(Requests.Aligned(Second, "Answer the question", 3f), severalPrinciples ? 45 : 50) with { Sampling = Seeded };
        if (severalPrinciples)
        {
            // Choice 1 then decodes a prompt of its own: both principles steered toward, in one system message.
            comparison = comparison with { Principle = null, StepSize = null, Principles = [new("Answer the question", 3f), new("Be kind", 1f)] };
        }
        var alone = await Task.WhenAll(engine.SubmitComparison(comparison).Select(stream => stream.Completion));
        using var preemptions = EngineCounter.Preemptions(engine);

        var earlier = engine.Submit(Long(Requests.Plain(First), 150));
        var compared = engine.SubmitComparison(comparison);
        var streamed = await Task.WhenAll(compared.Select(ReadAll));
        await earlier.Completion;

        Assert.True(preemptions.Total > 0, "the comparison was never preempted");
        Assert.Equal(alone.Select(result => result.Text), streamed);
        await AssertIdle(engine);
    }

    [Fact]
    public async Task No_sequence_or_cell_is_left_after_preemptions_cancellations_and_completions()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 8 }, SmallContext);
        using var cancellation = new CancellationTokenSource();
        using var preemptions = EngineCounter.Preemptions(engine);
        // On the inference thread, at the first preemption: the preempted request and one running request are cancelled.
        preemptions.Counted += cancellation.Cancel;
        GenerationRequest[] requests =
        [
            Long(Requests.Plain(First), 150),
            Long(Requests.Aligned(Second, "Be kind", 2f), 100),
            Long(Requests.Plain(Second), 120),
            Long(Requests.Aligned(First, "Answer the question", 1f), 60),
        ];

        var streams = requests.Select((request, i) => engine.Submit(request, i % 2 == 1 ? cancellation.Token : default)).ToArray();
        var results = await Task.WhenAll(streams.Select(stream => stream.Completion));

        Assert.Equal(
            [FinishReason.Length, FinishReason.Cancelled, FinishReason.Length, FinishReason.Cancelled],
            results.Select(result => result.FinishReason));
        await AssertIdle(engine);
        Assert.Equal(FinishReason.Length, (await engine.Submit(Long(Requests.Plain(First), 200)).Completion).FinishReason);
    }

    [Fact]
    public async Task A_prompt_that_cannot_fit_alone_is_still_refused_as_context_length_exceeded()
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 8 }, SmallContext);

        var error = Assert.Throws<EngineException>(() => engine.Submit(Requests.Plain(string.Join(' ', Enumerable.Repeat(First, 60)))));

        Assert.Equal(EngineErrorCode.ContextLengthExceeded, error.Code);
    }

    /// <summary>
    /// Runs <paramref name="requests"/> one at a time, then all at once in a context too small for them together:
    /// something is preempted, and every stream's text, read as it streams, is what it was alone.
    /// </summary>
    private async Task AssertSameAsAlone(GenerationRequest[] requests)
    {
        await using var engine = await fixture.StartEngineAsync(new EngineOptions { MaxSequences = 8 }, SmallContext);
        var alone = new List<string>();
        foreach (var request in requests)
        {
            alone.Add((await engine.Submit(request).Completion).Text);
        }
        using var preemptions = EngineCounter.Preemptions(engine);

        var together = await Task.WhenAll(requests.Select(request => engine.Submit(request)).ToArray().Select(ReadAll));

        Assert.True(preemptions.Total > 0, "nothing was preempted");
        Assert.Equal(alone, together);
        await AssertIdle(engine);
    }

    private static async Task<string> ReadAll(GenerationStream stream)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var delta in stream.ReadDeltasAsync())
        {
            text.Append(delta.Text);
        }
        return text.ToString();
    }

    private static async Task FirstDelta(GenerationStream stream)
    {
        await foreach (var _ in stream.ReadDeltasAsync())
        {
            return;
        }
    }

    private static async Task AssertIdle(InferenceEngine engine)
    {
        var census = await engine.SequenceCensusAsync();
        Assert.True(census.IsIdle, census.ToString());
    }
}
