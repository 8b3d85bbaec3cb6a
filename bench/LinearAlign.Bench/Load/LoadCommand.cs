using System.Text.Json;
using LinearAlign.Bench.Compare;

namespace LinearAlign.Bench.Load;

/// <summary>`bench load`: one workload against one OpenAI-compatible server; a table on stdout, everything as JSON to --json.</summary>
public static class LoadCommand
{
    /// <summary>
    /// The options that give a workload its shape on the command line, which --workload replaces (--prompt-tokens,
    /// --max-tokens, --principle and --step-size shape the built-in workloads too).
    /// </summary>
    private static readonly string[] ShapeOptions = ["clients", "requests", "decoding", "prompt", "turns", "endpoint", "system", "extra"];

    public static Task<int> RunAsync(BenchArguments arguments) => ReportFailuresAsync(async () =>
    {
        var url = arguments.Required("url");
        var workload = arguments.Optional("workload") is { } selection ? Named(arguments, selection) : FromOptions(arguments);
        workload = workload with { Seed = arguments.Int("seed", workload.Seed) };
        var label = arguments.Optional("label") ?? workload.Name;
        using var http = LoadTarget.CreateClient(url, arguments.Optional("api-key"));
        var target = new LoadTarget(http, url, arguments.Optional("model"));
        var report = await LoadRunner.RunAsync(target, workload, SettingsOf(arguments, label), Console.Error, CancellationToken.None);

        Console.WriteLine(report.Title());
        Console.WriteLine(report.Table());
        if (arguments.Optional("json") is { } json)
        {
            await BenchJson.WriteFileAsync(json, report);
        }
        return report.Failed == 0 && report.Background?.Failed is null or 0 ? 0 : 1;
    });

    /// <summary>--workload NAME|FILE: one built-in workload (shaped as `compare` shapes them) or a file with one.</summary>
    private static Workload Named(BenchArguments arguments, string selection)
    {
        if (ShapeOptions.FirstOrDefault(arguments.Has) is { } option)
        {
            throw new ArgumentException($"--workload takes its shape from the workload; --{option} cannot change it.");
        }
        var workloads = WorkloadSelection.Parse(arguments, "workload", selection);
        return workloads.Count == 1 ? workloads[0] : throw new ArgumentException($"--workload names {workloads.Count} workloads; load runs one.");
    }

    private static Workload FromOptions(BenchArguments arguments)
    {
        var clients = arguments.Int("clients", 1);
        return new Workload
        {
            Name = arguments.Optional("label") ?? "load",
            Clients = clients,
            Requests = arguments.Int("requests", clients),
            Request = new RequestShape
            {
                PromptTokens = arguments.Int("prompt-tokens", 500),
                MaxTokens = arguments.IntOrNone("max-tokens", 128),
                Decoding = arguments.Enum("decoding", Decoding.FixedLength),
                Prompt = arguments.Enum("prompt", PromptMode.Random),
                Endpoint = arguments.Enum("endpoint", ApiEndpoint.Chat),
                System = arguments.Optional("system"),
                Principle = arguments.Optional("principle"),
                StepSize = arguments.Double("step-size"),
                ExtraFields = arguments.Optional("extra") is { } extra ? JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra) : null,
            },
            Turns = arguments.Int("turns", 1),
        };
    }

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
