using LinearAlign.Bench.Eval;

namespace LinearAlign.Bench.Tests;

public sealed class EvalArgumentsTests
{
    private static EvalArguments Parse(params string[] args) => EvalArguments.Parse(BenchArguments.Parse(args));

    [Fact]
    public void Step_sizes_are_a_comma_separated_list() =>
        Assert.Equal([0, 0.5, 1, 2, 4], Parse("--url", "http://x", "--steps", "0, 0.5,1,2,4").Settings.Steps);

    [Fact]
    public void A_step_size_that_is_not_a_number_is_refused() =>
        Assert.Throws<FormatException>(() => Parse("--url", "http://x", "--steps", "1,two"));

    [Fact]
    public void Without_preference_items_replies_are_sampled_four_times_up_to_48_tokens()
    {
        var settings = Parse("--url", "http://x", "--sidecar", "m.principles.json").Settings;

        Assert.Equal((1.0, 48, 4, ServerKind.Detect), (settings.Temperature, settings.MaxTokens, settings.Samples, settings.Server));
    }

    [Fact]
    public void With_preference_items_decoding_is_greedy_and_a_few_tokens_long()
    {
        var settings = Parse("--url", "http://x", "--preference", "items.jsonl").Settings;

        Assert.Equal((0.0, 4, 1), (settings.Temperature, settings.MaxTokens, settings.Samples));
    }

    [Fact]
    public void Given_options_override_the_defaults()
    {
        var arguments = Parse("--url", "http://x", "--preference", "items.jsonl", "--temperature", "0.5", "--top-p", "0.8",
            "--max-tokens", "10", "--samples", "3", "--seed", "42", "--server", "openai", "--concurrency", "2", "--model", "m",
            "--judge-url", "http://judge", "--judge-model", "j", "--json", "r.json", "--markdown", "r.md", "--svg", "r.svg");

        var s = arguments.Settings;
        Assert.Equal((0.5, 0.8, 10, 3, 42L, ServerKind.Openai, 2, "m"), (s.Temperature, s.TopP, s.MaxTokens, s.Samples, s.Seed, s.Server, s.Concurrency, s.Model));
        Assert.Equal(("http://judge", "j", "r.json", "r.md", "r.svg"), (arguments.JudgeUrl, arguments.JudgeModel, arguments.JsonPath, arguments.MarkdownPath, arguments.SvgPath));
    }

    [Fact]
    public void An_unknown_server_kind_is_refused() =>
        Assert.Throws<ArgumentException>(() => Parse("--url", "http://x", "--server", "vllm"));

    [Fact]
    public void Preference_items_are_read_one_per_line()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path,
        [
            """{"id":"q1","domain":"Diet","question":"Q?","descriptions":{"A":"a","B":"b","C":"c","D":"d"},"answers":{"A":"1","B":"2","C":"3","D":"4"},"truth":"C"}""",
            "",
        ]);

        var settings = Parse("--url", "http://x", "--preference", path).SettingsWith(null);

        var item = Assert.Single(settings.Preference!);
        Assert.Equal(("q1", "Diet", "c", "3", "C"), (item.Id, item.Domain, item.Descriptions["C"], item.Answers["C"], item.Truth));
        File.Delete(path);
    }

    [Fact]
    public void A_preference_item_without_all_four_answers_is_refused()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"id":"q1","domain":"Diet","question":"Q?","descriptions":{"A":"a","B":"b","C":"c","D":"d"},"answers":{"A":"1"},"truth":"A"}""");

        Assert.Throws<FormatException>(() => Parse("--url", "http://x", "--preference", path).SettingsWith(null));
        File.Delete(path);
    }

    [Fact]
    public void A_malformed_line_is_refused_with_its_number()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, ["""{"principle":"p","prompt":"q"}""", "{not json"]);

        var error = Assert.Throws<FormatException>(() => EvalArguments.ReadJsonLines<PrinciplePrompt>(path));
        Assert.StartsWith($"{path}:2:", error.Message);
        File.Delete(path);
    }

    [Fact]
    public void Prompts_without_a_judge_are_refused()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"principle":"p","prompt":"q"}""");

        Assert.Throws<ArgumentException>(() => Parse("--url", "http://x", "--prompts", path).SettingsWith(null));
        File.Delete(path);
    }

    [Fact]
    public void Two_sources_of_prompts_are_refused() =>
        Assert.Throws<ArgumentException>(() => new EvalSettings { Sidecar = EvalScoringTests.Sidecar, Preference = [EvalScoringTests.Item] }.Validate());

    [Fact]
    public void Every_sample_at_every_step_has_a_seed_of_its_own()
    {
        var settings = new EvalSettings { Seed = 10, Steps = [0, 1, 2], Samples = 4 };

        var seeds = Enumerable.Range(0, 4).SelectMany(sample => Enumerable.Range(0, 3).Select(step => settings.SeedOf(sample, step))).ToList();

        Assert.Equal(12, seeds.Distinct().Count());
        Assert.Equal(10, settings.SeedOf(0, 0));
    }

    [Fact]
    public void Greedy_decoding_takes_one_sample() =>
        Assert.Equal(1, new EvalSettings { Temperature = 0, Samples = 4 }.EffectiveSamples);
}
