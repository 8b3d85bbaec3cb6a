namespace LinearAlign.Bench.Tests;

/// <summary>The bench tool as a user runs it: `dotnet LinearAlign.Bench.dll ...`.</summary>
public sealed class BenchCommandLineTests
{
    [Fact]
    public async Task Help_prints_the_usage_and_succeeds()
    {
        var (exitCode, output, errors) = await RunAsync("load", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("bench load", errors);
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_malformed_option_is_named_with_the_usage_and_no_stack_trace()
    {
        var (exitCode, _, errors) = await RunAsync("load", "--url");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("bench: Expected '--name value', got '--url'.", errors);
        Assert.Contains("usage:", errors);
        Assert.DoesNotContain("Unhandled exception", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    private static Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] arguments) =>
        ProcessRun.RunAsync("dotnet", [typeof(BenchArguments).Assembly.Location, .. arguments]);
}
