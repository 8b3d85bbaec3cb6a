using System.Diagnostics;

namespace LinearAlign.Bench.Tests;

/// <summary>Runs a program to its end, as a user runs it from a shell, and keeps what it wrote.</summary>
internal static class ProcessRun
{
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
