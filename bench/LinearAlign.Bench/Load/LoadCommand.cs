using System.Text.Json;

namespace LinearAlign.Bench.Load;

/// <summary>`bench load`: one workload against one OpenAI-compatible server; a table on stdout, everything as JSON to --json.</summary>
public static class LoadCommand
{
    public static Task<int> RunAsync(BenchArguments arguments) => ReportFailuresAsync(async () =>
    {
        var url = arguments.Required("url");
        var clients = arguments.Int("clients", 1);
        var label = arguments.Optional("label") ?? "load";
        var workload = new Workload
        {
            Name = label,
            Clients = clients,
            Requests = arguments.Int("requests", clients),
            PromptTokens = arguments.Int("prompt-tokens", 500),
            MaxTokens = arguments.Int("max-tokens", 128),
            Prompt = arguments.Enum("prompt", PromptMode.Random),
            Turns = arguments.Int("turns", 1),
            Endpoint = arguments.Enum("endpoint", ApiEndpoint.Chat),
            System = arguments.Optional("system"),
            Principle = arguments.Optional("principle"),
            StepSize = arguments.Double("step-size"),
            ExtraFields = arguments.Optional("extra") is { } extra ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra) : null,
            Seed = arguments.Int("seed", 1),
        };
        using var http = LoadTarget.CreateClient(url, arguments.Optional("api-key"));
        var target = new LoadTarget(http, url, arguments.Optional("model"));
        var report = await LoadRunner.RunAsync(target, workload, SettingsOf(arguments, label), Console.Error, CancellationToken.None);

        Console.WriteLine(report.Title());
        Console.WriteLine(report.Table());
        if (arguments.Optional("json") is { } json)
        {
            await BenchJson.WriteFileAsync(json, report);
        }
        return report.Failed == 0 ? 0 : 1;
    });

    /// <summary>The options of a run that `load` and `compare` share: --warmup N (1) and --timeout SECONDS (600) per request.</summary>
    public static RunSettings SettingsOf(BenchArguments arguments, string label) =>
        new(label, arguments.Int("warmup", 1), TimeSpan.FromSeconds(arguments.Int("timeout", 600)), ShowProgress: true);

    /// <summary>Runs a command, turning what a user can fix (bad options, a server not there, a failed warm-up) into one line and exit code 2.</summary>
    public static async Task<int> ReportFailuresAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException or HttpRequestException or LoadRunException or IOException)
        {
            Console.Error.WriteLine($"bench: {e.Message}");
            return 2;
        }
    }
}
