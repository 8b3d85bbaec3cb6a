using System.Text.Json;
using LinearAlign.Forge;
using LinearAlign.TestFixtures;

namespace LinearAlign.Bench.Tests;

/// <summary>
/// bench/gpu's scripts, packed and run as on the GPU machine but on the CPU, with a small model and a short sweep
/// (pack.sh --cpu, run.sh --cpu --quick): GPU time is rare, so the scripts must work whenever one is at hand.
/// </summary>
public sealed class GpuBenchmarkDryRunTests(GpuBenchmarkDryRunTests.DryRun run) : IClassFixture<GpuBenchmarkDryRunTests.DryRun>
{
    [Fact]
    public void The_aligned_greedy_reply_is_the_same_on_both_backends_checked()
    {
        var check = run.Report.GetProperty("check");

        Assert.Equal("same", check.GetProperty("verdict").GetString());
        Assert.Contains("Arr", check.GetProperty("cpu_reply").GetString());
    }

    [Fact]
    public void The_sweep_runs_plain_and_aligned_at_each_concurrency_without_a_failed_request()
    {
        var sweep = run.Report.GetProperty("sweep");

        Assert.Equal(0, sweep.GetProperty("failed_requests").GetInt32());
        Assert.Equal(
            ["plain-c1", "aligned-c1", "plain-c2", "aligned-c2"],
            sweep.GetProperty("rows").EnumerateArray().Select(row => row.GetProperty("workload").GetString()));
        Assert.All(sweep.GetProperty("rows").EnumerateArray(), row => Assert.True(row.GetProperty("aggregate_tokens_per_second").GetDouble() > 0));
    }

    [Fact]
    public void The_report_names_the_device_the_server_ran_on()
    {
        Assert.StartsWith("Backend device CPU", run.Report.GetProperty("device").GetString());
        Assert.Contains("## Sweep", File.ReadAllText(Path.Combine(run.Output, "report.md")));
    }

    /// <summary>Packs the CPU archive and runs the benchmark on it once for the class.</summary>
    public sealed class DryRun : IAsyncLifetime
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("linearalign-gpu-dry-run-");

        public string Output => Path.Combine(_folder.FullName, "out");

        public JsonElement Report { get; private set; }

        public async Task InitializeAsync()
        {
            NativeTestLock.Enter();
            var archive = (await RunScriptAsync("pack.sh", "--cpu", "--out", Path.Combine(_folder.FullName, "bundle"))).Trim();
            await RunScriptAsync("run.sh", "--cpu", "--quick", "--threads", "1", "--bundle", archive,
                "--work", Path.Combine(_folder.FullName, "work"), "--out", Output);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Output, "report.json")));
            Report = report.RootElement.Clone();
        }

        public Task DisposeAsync()
        {
            _folder.Delete(recursive: true);
            return Task.CompletedTask;
        }

        /// <summary>Runs one of bench/gpu's scripts to the end and returns its standard output; fails with its last output lines.</summary>
        private static async Task<string> RunScriptAsync(string script, params string[] arguments)
        {
            var (exitCode, output, errors) = await ProcessRun.RunAsync(Path.Combine(Checkout.Root, "bench", "gpu", script), arguments);
            if (exitCode != 0)
            {
                var lastLines = string.Join('\n', (errors + output).Split('\n').TakeLast(30));
                throw new InvalidOperationException($"{script} exited with {exitCode}:\n{lastLines}");
            }
            return output;
        }
    }
}
