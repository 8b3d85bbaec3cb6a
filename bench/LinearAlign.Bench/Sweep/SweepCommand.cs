using System.Globalization;
using LinearAlign.Bench.Compare;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Sweep;

/// <summary>
/// `bench sweep`: one server, `compare`'s plain-cN then aligned-cN at each concurrency N, with the server's peak KV
/// cells and device memory from its /metrics during each run; the markdown on stdout, everything as JSON to --json.
/// </summary>
public static class SweepCommand
{
    public static Task<int> RunAsync(BenchArguments arguments) => LoadCommand.ReportFailuresAsync(async () =>
    {
        var url = arguments.Required("url");
        var shape = BuiltInShape.Of(arguments);
        var plan = ConcurrencyOf(arguments)
            .Select(clients => (Clients: clients, Plain: BuiltInWorkloads.Plain(shape, clients), Aligned: BuiltInWorkloads.Aligned(shape, clients)))
            .ToList();
        // Checked before the first run, so that a bad option costs no run.
        foreach (var workload in plan.SelectMany(p => new[] { p.Plain, p.Aligned }))
        {
            if (workload.Problem() is { } problem)
            {
                throw new ArgumentException($"Workload '{workload.Name}': {problem}.");
            }
        }
        using var http = LoadTarget.CreateClient(url, arguments.Optional("api-key"));
        var target = new LoadTarget(http, url, null);

        async Task<SweepRun> MeasureAsync(Workload workload)
        {
            // A fresh seed for every run, kept in its report: the server keeps prompts cached, from this sweep's earlier
            // runs and any run before it, and a prompt it has seen would start at once.
            var seeded = workload with { Seed = Random.Shared.Next() };
            var (report, peak) = await UsagePoller.DuringAsync(http, Console.Error, () =>
                LoadRunner.RunAsync(target, seeded, LoadCommand.SettingsOf(arguments, $"sweep {workload.Name}"), Console.Error, CancellationToken.None));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Summary()}, peak {peak.KvCellsUsed?.ToString("F0") ?? "–"} KV cells, {SweepReport.Mebibytes(peak.DeviceMemoryUsedBytes)?.ToString("F0") ?? "–"} MiB device memory"));
            return new SweepRun(report, peak);
        }

        var startedAt = DateTimeOffset.Now;
        var points = new List<SweepPoint>();
        foreach (var (clients, plain, aligned) in plan)
        {
            points.Add(new SweepPoint(clients, await MeasureAsync(plain), await MeasureAsync(aligned)));
        }

        var sweep = new SweepReport(url, startedAt, points);
        var markdown = sweep.Markdown();
        Console.WriteLine(markdown);
        if (arguments.Optional("json") is { } json)
        {
            await BenchJson.WriteFileAsync(json, sweep);
        }
        if (arguments.Optional("markdown") is { } markdownFile)
        {
            await File.WriteAllTextAsync(markdownFile, markdown);
        }
        return sweep.FailedRequests == 0 ? 0 : 1;
    });

    /// <summary>--concurrency "1,8,32": the numbers of clients, in the order they run.</summary>
    private static List<int> ConcurrencyOf(BenchArguments arguments)
    {
        var list = (arguments.Optional("concurrency") ?? "1,8,32")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(clients => int.TryParse(clients, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"--concurrency: '{clients}' is not a number of clients."))
            .ToList();
        return list.Count == 0 ? throw new ArgumentException("--concurrency names no number of clients.")
            : list.Distinct().Count() != list.Count ? throw new ArgumentException("--concurrency: each number of clients once.")
            : list;
    }
}
