using LinearAlign.TestFixtures;

namespace LinearAlign.Server.Tests;

/// <summary>The server process itself, started as a user starts it: a bad model must end it with one clear line.</summary>
public sealed class StartupFailureTests
{
    private static async Task<(int ExitCode, string Output)> RunServerAsync(params string[] arguments)
    {
        await using var server = ServerProcess.Launch([.. arguments, "--urls=http://127.0.0.1:0"]);
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, server.Output);
    }

    [Fact]
    public async Task A_missing_model_file_exits_non_zero_with_one_line_naming_it()
    {
        var (exitCode, output) = await RunServerAsync("--Model:Path=/nonexistent/model.gguf");

        Assert.NotEqual(0, exitCode);
        Assert.Single(output.Split('\n'), line => line.Contains("/nonexistent/model.gguf") && line.Contains("not found"));
    }

    [Fact]
    public async Task A_corrupt_model_file_exits_non_zero_with_llama_cpp_reason()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.gguf");
        await File.WriteAllBytesAsync(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray());
        try
        {
            var (exitCode, output) = await RunServerAsync($"--Model:Path={path}");

            Assert.NotEqual(0, exitCode);
            Assert.Single(output.Split('\n'), line => line.Contains("Could not load model") && line.Contains("magic"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_unreachable_model_url_exits_non_zero_telling_to_set_Model_Path()
    {
        var (exitCode, output) = await RunServerAsync("--Model:Path=", "--Model:Url=http://127.0.0.1:1/model.gguf", $"--Model:CacheDirectory={Path.GetTempPath()}");

        Assert.NotEqual(0, exitCode);
        Assert.Single(output.Split('\n'), line => line.Contains("Set Model:Path"));
    }

    [Fact]
    public async Task Cuda_asked_for_without_a_usable_gpu_exits_non_zero_with_one_line_saying_why_and_what_to_do()
    {
        var (exitCode, output) = await RunServerAsync($"--Model:Path={TinyModels.Default}", "--Model:Threads=1", "--Model:Backend=cuda");

        Assert.Equal(1, exitCode);
        Assert.Single(output.Split('\n'), line => line.Contains("Model:Backend is cuda") && line.Contains("libggml-cuda.so") && line.Contains("Model:Backend=cpu"));
    }

    [Fact]
    public async Task Auto_without_a_gpu_serves_from_the_cpu_and_logs_why()
    {
        await using var server = await ServerProcess.StartAsync("--Model:Backend=auto");

        Assert.Contains("Running on the CPU (Model:Backend is auto and no GPU is usable", server.Output);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task A_bad_setting_is_reported_in_one_line_and_nothing_else(string format)
    {
        var (exitCode, output) = await RunServerAsync("--Model:Path=/nonexistent/model.gguf", "--Server:MaxChoices=0", $"--Server:LogFormat={format}");

        Assert.Equal(2, exitCode);
        Assert.Contains("MaxChoices", Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task More_threads_than_cores_is_a_configuration_error()
    {
        var (exitCode, output) = await RunServerAsync("--Model:Path=/nonexistent/model.gguf", $"--Model:Threads={Environment.ProcessorCount + 1}");

        Assert.Equal(2, exitCode);
        Assert.Contains("oversubscribed", output);
    }
}
