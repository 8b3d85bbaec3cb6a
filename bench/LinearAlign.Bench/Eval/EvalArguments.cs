using System.Globalization;
using System.Text.Json;
using LinearAlign.Forge.Train;

namespace LinearAlign.Bench.Eval;

/// <summary>The command line of <c>bench eval</c>: where to send, what to read and write, and the run's settings.</summary>
public sealed record EvalArguments(
    string Url,
    string? ApiKey,
    string? SidecarPath,
    string? PreferencePath,
    string? PromptsPath,
    string? JudgeUrl,
    string? JudgeModel,
    string? JudgeApiKey,
    string? JsonPath,
    string? MarkdownPath,
    string? SvgPath,
    EvalSettings Settings)
{
    /// <summary>
    /// The options; sampling defaults follow the mode: the paper's greedy few-token multiple choice with --preference,
    /// a sampled reply of a few dozen tokens otherwise. The files are read by <see cref="SettingsWith"/>.
    /// </summary>
    public static EvalArguments Parse(BenchArguments arguments)
    {
        var preference = arguments.Optional("preference");
        var defaults = preference is null ? new EvalSettings() : EvalSettings.ForPreference([]);
        return new EvalArguments(
            arguments.Required("url"),
            arguments.Optional("api-key"),
            arguments.Optional("sidecar"),
            preference,
            arguments.Optional("prompts"),
            arguments.Optional("judge-url"),
            arguments.Optional("judge-model"),
            arguments.Optional("judge-api-key"),
            arguments.Optional("json"),
            arguments.Optional("markdown"),
            arguments.Optional("svg"),
            defaults with
            {
                Model = arguments.Optional("model"),
                Server = arguments.Enum("server", ServerKind.Detect),
                Steps = arguments.Optional("steps") is { } steps ? Steps(steps) : defaults.Steps,
                Samples = arguments.Int("samples", defaults.Samples),
                Temperature = arguments.Double("temperature") ?? defaults.Temperature,
                TopP = arguments.Double("top-p") ?? defaults.TopP,
                MaxTokens = arguments.Int("max-tokens", defaults.MaxTokens),
                Seed = arguments.Int("seed", (int)defaults.Seed),
                Concurrency = arguments.Int("concurrency", defaults.Concurrency),
                RequestTimeout = TimeSpan.FromSeconds(arguments.Int("timeout", (int)defaults.RequestTimeout.TotalSeconds)),
                ShowProgress = true,
            });
    }

    /// <summary>"0,0.5,1,2,4" → [0, 0.5, 1, 2, 4].</summary>
    public static IReadOnlyList<double> Steps(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(step => double.TryParse(step, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatException($"--steps: '{step}' is not a number."))
            .ToList();

    /// <summary>The settings with the sidecar, prompts or preference file read, and the judge's client where one is asked for.</summary>
    public EvalSettings SettingsWith(HttpClient? judge)
    {
        if ((JudgeUrl is null) != (judge is null))
        {
            throw new ArgumentException("A judge client goes with --judge-url, and only with it.");
        }
        var settings = Settings with
        {
            Sidecar = SidecarPath is null ? null : PrinciplesSidecar.Read(SidecarPath),
            Prompts = PromptsPath is null ? null : ReadJsonLines<PrinciplePrompt>(PromptsPath),
            Preference = PreferencePath is null ? null : ReadJsonLines<PreferenceItem>(PreferencePath).Select(Checked).ToList(),
            Judge = judge is null ? null : new JudgeSettings(judge, JudgeModel),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>One object per non-empty line, in the report's snake_case conventions.</summary>
    public static IReadOnlyList<T> ReadJsonLines<T>(string path)
    {
        var items = new List<T>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                items.Add(JsonSerializer.Deserialize<T>(line, BenchJson.Options) ?? throw new FormatException("null"));
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{number}: {e.Message}");
            }
        }
        return items;
    }

    /// <summary>An item the prompt can be rendered from: a description and an answer for every letter, and a truth among them.</summary>
    private static PreferenceItem Checked(PreferenceItem item) =>
        item.Descriptions is not null && item.Answers is not null && item.Question is not null && item.Domain is not null
        && PreferenceItem.Letters.All(letter => item.Descriptions.ContainsKey(letter) && item.Answers.ContainsKey(letter))
        && PreferenceItem.Letters.Contains(item.Truth)
            ? item
            : throw new FormatException($"preference item '{item.Id}': needs domain, question, descriptions and answers for A–D, and truth one of A–D.");
}
