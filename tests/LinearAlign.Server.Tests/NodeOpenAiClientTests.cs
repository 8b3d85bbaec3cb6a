using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using LinearAlign.Forge;
using LinearAlign.TestFixtures;

namespace LinearAlign.Server.Tests;

/// <summary>
/// The most used OpenAI client, the `openai` npm package at the version pinned in tests/node-client, must work
/// against the server process unchanged, extensions included. The checks are in tests/node-client/openai-client.test.mjs,
/// written with the client's own calls and error classes; this runs them against a fresh server.
/// </summary>
public sealed class NodeOpenAiClientTests
{
    private const string ModelAlias = "linearalign-tiny";
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_openai_npm_client_works_unchanged_including_principle_and_step_size()
    {
        // The server process computes on the same cores, so it counts as this test process's model run.
        NativeTestLock.Enter();
        var clientFolder = Path.Combine(Checkout.Root, "tests", "node-client");
        await InstallPackagesIfStaleAsync(clientFolder);
        var apiKey = $"test-{Guid.NewGuid():N}";
        await using var server = await ServerProcess.StartAsync($"--Server:ApiKeys:0={apiKey}", $"--Model:Alias={ModelAlias}");

        var (exitCode, output) = await RunAsync("node", ["--test", "--test-reporter=spec", "openai-client.test.mjs"], clientFolder, NodeTimeout, new()
        {
            ["LINEARALIGN_BASE_URL"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["LINEARALIGN_API_KEY"] = apiKey,
            ["LINEARALIGN_MODEL"] = ModelAlias,
        });

        Assert.True(exitCode == 0, $"node --test exited with {exitCode}:\n{output}\nThe server's output:\n{server.Output}");
    }

    /// <summary>
    /// npm records what it installed in node_modules/.package-lock.json; older than the committed lock file means a
    /// checkout changed the pinned packages since, so the install is redone.
    /// </summary>
    private static async Task InstallPackagesIfStaleAsync(string clientFolder)
    {
        var installed = new FileInfo(Path.Combine(clientFolder, "node_modules", ".package-lock.json"));
        var locked = new FileInfo(Path.Combine(clientFolder, "package-lock.json"));
        if (installed.Exists && installed.LastWriteTimeUtc >= locked.LastWriteTimeUtc)
        {
            return;
        }
        var (exitCode, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], clientFolder, NpmTimeout, []);
        Assert.True(exitCode == 0, $"npm ci in {clientFolder} exited with {exitCode}:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string program, string[] arguments, string folder, TimeSpan timeout, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var output = new StringBuilder();
        void Capture(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.Append(line).Append('\n');
            }
        }
        string Captured()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Could not run '{program}' ({e.Message}): these tests need Node.js and npm on PATH.", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{program} {string.Join(' ', arguments)}' did not finish within {timeout}:\n{Captured()}");
        }
        return (process.ExitCode, Captured());
    }
}
