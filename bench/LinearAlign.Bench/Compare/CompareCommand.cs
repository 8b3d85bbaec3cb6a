using LinearAlign.Bench.Load;
using LinearAlign.Bench.Plot;

namespace LinearAlign.Bench.Compare;

/// <summary>
/// `bench compare`: the same workloads against server A and server B, back to back, round after round, in the order
/// AB in odd rounds and BA in even ones, so that neither side always runs on a machine warmed (or heated) by the other.
/// </summary>
public static class CompareCommand
{
    public static Task<int> RunAsync(BenchArguments arguments) => LoadCommand.ReportFailuresAsync(async () =>
    {
        var aName = arguments.Optional("a-name") ?? "ours";
        var bName = arguments.Optional("b-name") ?? "llama-server";
        var aUrl = arguments.Required("a");
        var bUrl = arguments.Required("b");
        var rounds = arguments.Int("rounds", 3);
        var workloads = WorkloadSelection.Parse(arguments, "workloads", arguments.Optional("workloads") ?? "all");
        // Read before any workload runs, so that a bad file costs no run.
        var stepCost = arguments.Optional("batched-bench") is { } batchedBench
            ? TwoSequenceStepCost.From(BatchedBenchTable.Parse(File.ReadAllText(batchedBench)))
            : null;
        using var aHttp = LoadTarget.CreateClient(aUrl, arguments.Optional("a-key"));
        using var bHttp = LoadTarget.CreateClient(bUrl, arguments.Optional("b-key"));
        var sides = new[] { (Name: aName, Target: new LoadTarget(aHttp, aUrl, null)), (Name: bName, Target: new LoadTarget(bHttp, bUrl, null)) };

        var startedAt = DateTimeOffset.Now;
        var results = workloads.ToDictionary(w => w.Name, _ => new List<RoundResult>());
        for (var round = 1; round <= rounds; round++)
        {
            var order = round % 2 == 1 ? new[] { 0, 1 } : [1, 0];
            foreach (var (workload, number) in workloads.Select((w, i) => (w, i)))
            {
                // Both sides get the same prompts in a round, and every workload and round new ones: a server keeps
                // earlier prompts cached (llama-server does), and a prompt seen before would start at once.
                var seeded = workload with { Seed = (workload.Seed * 1000 + round) * 1000 + number };
                var reports = new LoadReport?[2];
                foreach (var side in order.Where(s => s == 0 || !workload.ASideOnly))
                {
                    var (name, target) = sides[side];
                    var settings = LoadCommand.SettingsOf(arguments, $"{name} {workload.Name} round {round}/{rounds}");
                    reports[side] = await LoadRunner.RunAsync(target, seeded, settings, Console.Error, CancellationToken.None);
                    Console.WriteLine(reports[side]!.Summary());
                }
                results[workload.Name].Add(new RoundResult(round, string.Concat(order.Select(s => "AB"[s])), reports[0]!, reports[1]));
            }
        }

        var comparisons = workloads.Select(w => WorkloadComparison.Create(w, results[w.Name])).ToList();
        var report = new ComparisonReport(aName, aUrl, bName, bUrl, rounds, startedAt, comparisons, AlignedStepCheckOf(stepCost, comparisons));
        var markdown = report.Markdown();
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (arguments.Optional("json") is { } json)
        {
            await BenchJson.WriteFileAsync(json, report);
        }
        if (arguments.Optional("markdown") is { } markdownFile)
        {
            await File.WriteAllTextAsync(markdownFile, markdown);
        }
        if (arguments.Optional("svg") is { } svg)
        {
            await File.WriteAllTextAsync(svg, SvgLineChart.Render(report.Chart()));
        }
        return report.Workloads.All(w => w.AFailed == 0 && w.BFailed is null or 0) ? 0 : 1;
    });

    /// <summary>
    /// --batched-bench FILE: llama-batched-bench's output (-npl 1,2), whose two-sequence step cost the aligned single
    /// stream is checked against, where the run has both single streams.
    /// </summary>
    private static AlignedStepCheck? AlignedStepCheckOf(TwoSequenceStepCost? stepCost, IReadOnlyList<WorkloadComparison> comparisons)
    {
        var plain = comparisons.SingleOrDefault(c => c.Workload.Name == BuiltInWorkloads.PlainSingleStream);
        var aligned = comparisons.SingleOrDefault(c => c.Workload.Name == BuiltInWorkloads.AlignedSingleStream);
        if (stepCost is null || plain is null || aligned is null)
        {
            if (stepCost is not null)
            {
                Console.Error.WriteLine($"note: no aligned step check, which needs the workloads {BuiltInWorkloads.PlainSingleStream} and {BuiltInWorkloads.AlignedSingleStream}");
            }
            return null;
        }
        return AlignedStepCheck.Create(stepCost, plain, aligned);
    }
}
