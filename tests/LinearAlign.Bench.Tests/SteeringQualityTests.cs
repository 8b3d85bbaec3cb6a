using LinearAlign.Bench.Eval;
using LinearAlign.Forge.Train;

namespace LinearAlign.Bench.Tests;

/// <summary>
/// The committed trained model, served in-process and evaluated as <c>bench eval</c> does, through the chat API: one
/// alignment_compare request per held-out prompt and sample. Seeded, so the numbers repeat; the margins are set in
/// standard errors (and an absolute gap) from measured spreads, so that a float's difference cannot flip them.
/// </summary>
public sealed class SteeringQualityTests(SteeringQualityTests.Evaluation evaluation) : IClassFixture<SteeringQualityTests.Evaluation>
{
    /// <summary>How many combined standard errors a claimed difference must exceed.</summary>
    private const double StandardErrors = 4;

    /// <summary>Small enough to be a clear difference in a reply's style, whatever the sample size.</summary>
    private const double MinimumGap = 0.15;

    public const double StepSize = 1;

    [Fact]
    public void Every_request_succeeds()
    {
        Assert.Equal(0, evaluation.Report.Failed);
        Assert.All(evaluation.Report.Conditions, c => Assert.True(c.Replies >= 100, $"{c.Label}: {c.Replies} replies"));
    }

    [Fact]
    public void The_principle_in_the_prompt_is_followed_more_often_than_the_base_model_follows_it_by_chance() =>
        AssertClearlyAbove(
            evaluation.Report.Condition(EvalCondition.PromptOnly).Metric(EvalMetric.Adherence),
            evaluation.Report.Condition(EvalCondition.Base).Metric(EvalMetric.Adherence));

    [Fact]
    public void Linear_alignment_is_followed_more_often_than_the_principle_in_the_prompt() =>
        AssertClearlyAbove(
            evaluation.Report.Condition(EvalCondition.Aligned, StepSize).Metric(EvalMetric.Adherence),
            evaluation.Report.Condition(EvalCondition.PromptOnly).Metric(EvalMetric.Adherence));

    [Fact]
    public void Aligned_replies_still_answer_the_question()
    {
        var aligned = evaluation.Report.Condition(EvalCondition.Aligned, StepSize).Metric(EvalMetric.Correctness);
        var plain = evaluation.Report.Condition(EvalCondition.Base).Metric(EvalMetric.Correctness);
        Assert.True(aligned.Rate >= plain.Rate - MinimumGap, $"aligned correctness {aligned.Format()} against base {plain.Format()}");
    }

    private static void AssertClearlyAbove(MetricRate higher, MetricRate lower)
    {
        double gap = higher.Rate!.Value - lower.Rate!.Value;
        double standardError = Math.Sqrt(Math.Pow(higher.StandardError!.Value, 2) + Math.Pow(lower.StandardError!.Value, 2));
        Assert.True(gap > MinimumGap && gap > StandardErrors * standardError,
            $"{higher.Format()} is not clearly above {lower.Format()} (gap {gap:F3}, standard error {standardError:F3})");
    }

    /// <summary>One evaluation run shared by the facts: the server and the requests are the costly part.</summary>
    public sealed class Evaluation : IAsyncLifetime
    {
        private readonly InProcessServer _server = new(TrainedStylesModel.Path, new Dictionary<string, string>
        {
            ["Model:ContextSize"] = "2048",
            // Two comparisons at once, four sequences each.
            ["Engine:MaxSequences"] = "8",
        });

        public EvalReport Report { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            using var http = await _server.StartAsync();
            var settings = new EvalSettings
            {
                Sidecar = PrinciplesSidecar.Read(TrainedStylesModel.SidecarPath),
                Steps = [StepSize],
                Samples = 24,
                Temperature = 1,
                MaxTokens = 48,
                Concurrency = 2,
            };
            Report = await EvalRunner.RunAsync(http, settings, TextWriter.Null, CancellationToken.None);
        }

        public async Task DisposeAsync() => await _server.DisposeAsync();
    }
}
