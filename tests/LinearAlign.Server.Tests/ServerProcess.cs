using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using LinearAlign.TestFixtures;

namespace LinearAlign.Server.Tests;

/// <summary>
/// The server as a separate process, started as a user starts it (`dotnet LinearAlign.Server.dll ...`), for what an
/// in-process host cannot show: exit codes, signals, and clients that are not .NET. Its stdout and stderr are
/// captured from the start, so a failure can show everything the server said.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LinearAlign.Server.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process = new Process { StartInfo = start };
        Process.OutputDataReceived += (_, e) => Capture(e.Data);
        Process.ErrorDataReceived += (_, e) => Capture(e.Data);
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>The address Kestrel reported listening on; set once <see cref="StartAsync"/> returns.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Everything the server wrote so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The tiny generated model on one thread, in the shape the in-process tests use, on a free port.</summary>
    public static IReadOnlyList<string> DefaultArguments() =>
    [
        $"--Model:Path={TinyModels.Default}",
        "--Model:Threads=1",
        $"--Model:ContextSize={ServerFixture.ContextSize}",
        "--Model:BatchSize=256",
        "--Engine:MaxSequences=8",
        "--urls=http://127.0.0.1:0",
    ];

    /// <summary>
    /// Starts the server with <see cref="DefaultArguments"/> followed by <paramref name="extraArguments"/> (the
    /// command line's last value for a key wins) and returns once /health/ready answers 200.
    /// </summary>
    public static Task<ServerProcess> StartAsync(params string[] extraArguments) => StartAsync(null, extraArguments);

    /// <summary>As <see cref="StartAsync(string[])"/>, with environment variables set for the server process.</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? environment, params string[] extraArguments)
    {
        var server = new ServerProcess([.. DefaultArguments(), .. extraArguments], environment);
        try
        {
            await server.WaitUntilReadyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server with exactly <paramref name="arguments"/> and waits for nothing, for tests of how it ends.</summary>
    public static ServerProcess Launch(params string[] arguments) => new(arguments);

    /// <summary>As <see cref="Launch(string[])"/>, with environment variables set for the server process.</summary>
    public static ServerProcess Launch(IReadOnlyDictionary<string, string> environment, params string[] arguments) => new(arguments, environment);

    /// <summary>Waits for the process to end on its own and returns its exit code, with all its output captured.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            // Also waits for the redirected streams to reach their end, so Output is complete afterwards.
            await Process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server did not exit within {timeout}. Its output:\n{Output}");
        }
        return Process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager or Ctrl+C does, and returns the exit code once the server has stopped.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }
        return await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        var exited = Process.WaitForExitAsync(timeout.Token);
        try
        {
            if (await Task.WhenAny(_listening.Task, exited) == exited)
            {
                await exited;
                throw new InvalidOperationException($"The server exited with code {Process.ExitCode} before listening. Its output:\n{Output}");
            }
            BaseAddress = await _listening.Task;
            using var http = new HttpClient { BaseAddress = BaseAddress };
            while (!(await http.GetAsync("/health/ready", timeout.Token)).IsSuccessStatusCode)
            {
                if (Process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited with code {Process.ExitCode} before it was ready. Its output:\n{Output}");
                }
                await Task.Delay(50, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server was not ready within {ReadyTimeout}. Its output:\n{Output}");
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
