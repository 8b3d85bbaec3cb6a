using System.Text.Json;
using System.Xml.Linq;
using LinearAlign.Bench.Eval;
using LinearAlign.Bench.Plot;

namespace LinearAlign.Bench.Tests;

public sealed class EvalReportTests
{
    private static readonly string[] Metrics = [EvalMetric.Adherence, EvalMetric.Correctness];

    private static EvalReply Reply(string group, EvalCondition condition, double? step, bool adherent, bool correct, bool scored = true) =>
        new($"{group}/x", group, condition, step, 0, 1, scored, "text",
            new Dictionary<string, bool> { [EvalMetric.Adherence] = adherent, [EvalMetric.Correctness] = correct });

    private static readonly IReadOnlyList<EvalReply> Replies =
    [
        Reply("pirate", EvalCondition.Base, null, false, true),
        Reply("pirate", EvalCondition.Base, null, false, false),
        Reply("formal", EvalCondition.Base, null, true, true),
        Reply("formal", EvalCondition.Base, null, true, true, scored: false),
        Reply("pirate", EvalCondition.PromptOnly, null, true, true),
        Reply("formal", EvalCondition.PromptOnly, null, true, false),
        Reply("pirate", EvalCondition.Aligned, 2, true, true),
        Reply("formal", EvalCondition.Aligned, 2, true, true),
    ];

    private static EvalReport Report(ServerKind server = ServerKind.Ours, IReadOnlyList<EvalReply>? replies = null) =>
        new("tiny", server, EvalSource.Sidecar, 2, 1, [0, 2], 1, 1, 48, 1, 4, 0, [], Metrics,
            EvalReport.Score(replies ?? Replies, Metrics, [0, 2]), null, replies ?? Replies);

    [Fact]
    public void A_rate_is_hits_over_count_with_the_binomial_standard_error()
    {
        var rate = new MetricRate(EvalMetric.Adherence, 10, 40);

        Assert.Equal(0.25, rate.Rate);
        Assert.Equal(Math.Sqrt(0.25 * 0.75 / 40), rate.StandardError!.Value, 12);
    }

    [Fact]
    public void A_rate_of_nothing_is_absent_not_zero()
    {
        var rate = new MetricRate(EvalMetric.Adherence, 0, 0);

        Assert.Null(rate.Rate);
        Assert.Null(rate.StandardError);
        Assert.Equal("absent", rate.Format());
    }

    [Fact]
    public void A_rate_reads_as_percent_with_its_standard_error_and_counts() =>
        Assert.Equal("25.0% ± 6.8 (10/40)", new MetricRate(EvalMetric.Adherence, 10, 40).Format());

    [Fact]
    public void Conditions_are_base_prompt_only_then_aligned_at_every_step()
    {
        var conditions = Report().Conditions;

        Assert.Equal([(EvalCondition.Base, (double?)null), (EvalCondition.PromptOnly, null), (EvalCondition.Aligned, 0), (EvalCondition.Aligned, 2)],
            conditions.Select(c => (c.Condition, c.StepSize)));
    }

    [Fact]
    public void Replies_not_scored_are_left_out_of_the_rates()
    {
        var @base = Report().Condition(EvalCondition.Base);

        Assert.Equal(3, @base.Replies);
        Assert.Equal(new MetricRate(EvalMetric.Adherence, 1, 3), @base.Metric(EvalMetric.Adherence));
        Assert.Equal(new MetricRate(EvalMetric.Correctness, 2, 3), @base.Metric(EvalMetric.Correctness));
    }

    [Fact]
    public void Every_condition_is_also_scored_per_group_in_order_of_appearance()
    {
        var groups = Report().Condition(EvalCondition.Base).Groups;

        Assert.Equal(["pirate", "formal"], groups.Select(g => g.Group));
        Assert.Equal(new MetricRate(EvalMetric.Adherence, 0, 2), groups[0].Metrics[0]);
        Assert.Equal(new MetricRate(EvalMetric.Adherence, 1, 1), groups[1].Metrics[0]);
    }

    [Fact]
    public void A_step_without_replies_is_listed_with_absent_rates()
    {
        var aligned = Report().Condition(EvalCondition.Aligned, 0);

        Assert.Equal(0, aligned.Replies);
        Assert.Null(aligned.Metric(EvalMetric.Adherence).Rate);
    }

    [Fact]
    public void The_markdown_has_a_row_per_condition_with_each_metrics_rate()
    {
        var markdown = Report().Markdown();

        Assert.Contains("| condition   | step | replies | adherence          | correctness        |", markdown);
        Assert.Contains("| base        | –    | 3       | 33.3% ± 27.2 (1/3) | 66.7% ± 27.2 (2/3) |", markdown);
        Assert.Contains("| aligned     | 0    | 0       | absent             | absent             |", markdown);
        Assert.Contains("| aligned     | 2    | 2       | 100.0% ± 0.0 (2/2) | 100.0% ± 0.0 (2/2) |", markdown);
    }

    [Fact]
    public void The_markdown_repeats_the_conditions_per_principle()
    {
        var markdown = Report().Markdown();

        Assert.Contains("By principle:", markdown);
        Assert.Contains("| pirate    | prompt-only | –    | 1       |", markdown);
        Assert.Contains("| formal    | aligned     | 2    | 1       |", markdown);
    }

    [Fact]
    public void On_another_server_the_markdown_says_why_aligned_replies_are_absent() =>
        Assert.Contains("Aligned replies are absent", Report(ServerKind.Openai).Markdown());

    [Fact]
    public void The_markdown_lists_failed_requests_by_message()
    {
        var report = Report() with { Requests = 5, Failed = 3, Errors = [new ErrorCount("HTTP 500: boom", 2), new ErrorCount("timed out after 600 s", 1)] };

        Assert.Contains("3 of 5 requests failed:\n- 2 × HTTP 500: boom\n- 1 × timed out after 600 s\n", report.Markdown());
    }

    [Fact]
    public void The_markdown_shows_the_judges_win_tie_lose_rates()
    {
        var report = Report() with
        {
            Judge = new JudgeReport("judge-7b", [new JudgeComparison(EvalCondition.Aligned, 2, EvalCondition.PromptOnly, 5, 3, 2, 1, 0)]),
        };

        Assert.Contains("| aligned@2 vs prompt-only | 10     | 50.0% | 30.0% | 20.0% | 1          | 0      |", report.Markdown());
    }

    [Fact]
    public void The_json_report_uses_snake_case_names_and_enum_values()
    {
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(Report(), BenchJson.Options));
        var root = json.RootElement;

        Assert.Equal("ours", root.GetProperty("server").GetString());
        Assert.Equal("sidecar", root.GetProperty("source").GetString());
        var promptOnly = root.GetProperty("conditions")[1];
        Assert.Equal("prompt_only", promptOnly.GetProperty("condition").GetString());
        var adherence = promptOnly.GetProperty("metrics")[0];
        Assert.Equal(2, adherence.GetProperty("hits").GetInt32());
        Assert.Equal(1.0, adherence.GetProperty("rate").GetDouble());
        Assert.Equal(0.0, adherence.GetProperty("standard_error").GetDouble());
        Assert.Equal(8, root.GetProperty("replies").GetArrayLength());
    }

    [Fact]
    public void The_chart_draws_aligned_through_its_steps_and_prompt_only_and_base_as_levels_across_them()
    {
        var chart = Report().Chart();
        var adherence = chart.Series.Where(s => s.Name.StartsWith(EvalMetric.Adherence, StringComparison.Ordinal)).ToList();

        Assert.Equal(["adherence: aligned", "adherence: prompt-only", "adherence: base"], adherence.Select(s => s.Name));
        Assert.Equal([new ChartPoint(2, 100)], adherence[0].Points);
        Assert.False(adherence[0].Reference);
        Assert.Equal([new ChartPoint(0, 100), new ChartPoint(2, 100)], adherence[1].Points);
        Assert.True(adherence[2].Reference);
        Assert.Equal(100.0 / 3, adherence[2].Points[0].Y, 9);
    }

    [Fact]
    public void The_chart_renders_as_svg_with_dashed_reference_levels()
    {
        var svg = XNamespace.Get("http://www.w3.org/2000/svg");
        var document = XDocument.Parse(SvgLineChart.Render(Report().Chart()));

        var polylines = document.Descendants(svg + "polyline").ToList();
        Assert.Equal(6, polylines.Count);
        Assert.Equal(4, polylines.Count(p => p.Attribute("style")!.Value.Contains("stroke-dasharray", StringComparison.Ordinal)));
    }
}
