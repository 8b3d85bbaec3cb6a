using LinearAlign.Bench.Eval;
using LinearAlign.TestFixtures;

namespace LinearAlign.Bench.Tests;

/// <summary>
/// <c>bench eval</c>'s runner against the real server, in-process over the tiny generated model. Its weights are
/// random, so these check what was asked and counted, not how well a principle is followed.
/// </summary>
public sealed class EvalEndToEndTests
{
    private static InProcessServer TinyServer() => new(TinyModels.Default, new Dictionary<string, string>
    {
        ["Model:Alias"] = "tiny",
        // The judge prompt is a few hundred words long.
        ["Model:ContextSize"] = "4096",
        // An alignment_compare request takes four sequences.
        ["Engine:MaxSequences"] = "8",
    });

    [Fact]
    public async Task On_our_server_one_compare_request_per_prompt_sample_and_step_answers_all_three_conditions()
    {
        await using var server = TinyServer();
        using var http = await server.StartAsync();
        var settings = new EvalSettings { Sidecar = EvalScoringTests.Sidecar, Steps = [0, 2], Samples = 2, MaxTokens = 4, Concurrency = 2 };

        var report = await EvalRunner.RunAsync(http, settings, TextWriter.Null, CancellationToken.None);

        Assert.Equal((ServerKind.Ours, "tiny", 0, 12), (report.Server, report.Model, report.Failed, report.Requests));
        // 3 prompts × 2 samples: per step for aligned; base and prompt-only pooled over both steps.
        Assert.Equal([12, 12, 6, 6], report.Conditions.Select(c => c.Replies));
        Assert.All(report.Conditions, c => Assert.All(c.Metrics, m => Assert.Equal(c.Replies, m.Count)));
        Assert.Equal(["pirate", "formal"], report.Condition(EvalCondition.Base).Groups.Select(g => g.Group));
        Assert.Equal([8, 4], report.Condition(EvalCondition.Base).Groups.Select(g => g.Replies));
        Assert.Equal(36, report.Replies.Count);
    }

    [Fact]
    public async Task On_another_server_preference_items_get_plain_requests_and_no_aligned_replies()
    {
        await using var server = TinyServer();
        using var http = await server.StartAsync();
        var settings = EvalSettings.ForPreference([EvalScoringTests.Item, EvalScoringTests.Item with { Id = "q2", Domain = "Career" }])
            with { Server = ServerKind.Openai, Steps = [5] };

        var report = await EvalRunner.RunAsync(http, settings, TextWriter.Null, CancellationToken.None);

        Assert.Equal((ServerKind.Openai, 0, 4), (report.Server, report.Failed, report.Requests));
        Assert.Equal([2, 2, 0], report.Conditions.Select(c => c.Replies));
        Assert.Equal(2, report.Condition(EvalCondition.PromptOnly).Metric(EvalMetric.Accuracy).Count);
        Assert.Null(report.Condition(EvalCondition.Aligned, 5).Metric(EvalMetric.Accuracy).Rate);
        Assert.Equal(["Diet", "Career"], report.Condition(EvalCondition.Base).Groups.Select(g => g.Group));
    }

    [Fact]
    public async Task A_judge_compares_aligned_with_prompt_only_and_base_and_prompt_only_with_base_once_per_reply()
    {
        await using var server = TinyServer();
        using var http = await server.StartAsync();
        var settings = new EvalSettings
        {
            Prompts = [new PrinciplePrompt("Talk like a pirate.", "What orbits the earth?"), new PrinciplePrompt("Answer formally.", "What lights the day?")],
            Judge = new JudgeSettings(http, null, MaxTokens: 4),
            Steps = [1, 3],
            Samples = 1,
            MaxTokens = 4,
            Concurrency = 2,
        };

        var report = await EvalRunner.RunAsync(http, settings, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, report.Failed);
        Assert.Equal(["aligned@1 vs prompt-only", "aligned@1 vs base", "aligned@3 vs prompt-only", "aligned@3 vs base", "prompt-only vs base"],
            report.Judge!.Comparisons.Select(c => c.Name));
        Assert.All(report.Judge.Comparisons, c => Assert.Equal(2, c.Judged + c.Invalid));
        Assert.Equal(4 + 10, report.Requests);
    }
}
