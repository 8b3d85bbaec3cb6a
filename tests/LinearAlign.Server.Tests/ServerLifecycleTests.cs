using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Net.ServerSentEvents;
using LinearAlign.TestFixtures;

namespace LinearAlign.Server.Tests;

/// <summary>What only the real process shows: configuration sources, log format, Kestrel's body limit, shutdown.</summary>
public sealed class ServerLifecycleTests
{
    private const string LongStream = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":1900,"temperature":0,"principle":"Be kind","stream":true,"logit_bias":{"2":-100,"4":-100}}""";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    public ServerLifecycleTests() => NativeTestLock.Enter();

    [Fact]
    public async Task On_sigterm_a_running_stream_finishes_and_the_process_exits_zero()
    {
        await using var server = await ServerProcess.StartAsync("--Server:ShutdownTimeout=00:01:00");

        var (events, exitCode) = await TerminateDuringLongStreamAsync(server);

        Assert.Equal("[DONE]", events[^1]);
        Assert.Contains("\"finish_reason\":\"length\"", events[^2]);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Streams_still_running_at_the_shutdown_timeout_end_with_an_error_event_then_done()
    {
        await using var server = await ServerProcess.StartAsync("--Server:ShutdownTimeout=00:00:00");

        var (events, exitCode) = await TerminateDuringLongStreamAsync(server);

        Assert.Equal("[DONE]", events[^1]);
        Assert.True(JsonDocument.Parse(events[^2]).RootElement.TryGetProperty("error", out var error), events[^2] + "\n" + server.Output);
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task A_body_streamed_past_the_limit_without_a_length_gets_413()
    {
        await using var server = await ServerProcess.StartAsync("--Server:MaxRequestBytes=4096");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var json = JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = new string('a', 8192) } } });
        using var content = new UnknownLengthContent(Encoding.UTF8.GetBytes(json));

        using var response = await client.PostAsync("/v1/chat/completions", content);

        Assert.True(response.RequestMessage!.Headers.TransferEncodingChunked);
        Api.AssertError(HttpStatusCode.RequestEntityTooLarge, response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), "invalid_request_error", null, "request_too_large");
    }

    [Fact]
    public async Task Prefixed_environment_variables_configure_the_server_and_the_command_line_wins_over_them()
    {
        var environment = new Dictionary<string, string> { ["LINEARALIGN_Model__Alias"] = "from-environment", ["Model__Alias"] = "from-plain-environment" };

        await using (var server = await ServerProcess.StartAsync(environment))
        {
            Assert.Equal("from-environment", await ServedModelAsync(server));
        }
        await using (var server = await ServerProcess.StartAsync(environment, "--Model:Alias=from-command-line"))
        {
            Assert.Equal("from-command-line", await ServedModelAsync(server));
        }
    }

    [Fact]
    public async Task A_bad_setting_in_a_prefixed_environment_variable_stops_the_server_naming_it()
    {
        await using var server = ServerProcess.Launch(
            new Dictionary<string, string> { ["LINEARALIGN_Server__MaxChoices"] = "0" }, "--Model:Path=/nonexistent/model.gguf", "--urls=http://127.0.0.1:0");

        Assert.Equal(2, await server.WaitForExitAsync(ExitTimeout));
        Assert.Contains("MaxChoices", server.Output);
    }

    [Fact]
    public async Task With_the_json_log_format_every_line_is_a_json_object()
    {
        await using var server = ServerProcess.Launch("--Server:LogFormat=json", "--Model:Path=/nonexistent/model.gguf", "--urls=http://127.0.0.1:0");

        Assert.NotEqual(0, await server.WaitForExitAsync(ExitTimeout));
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
        Assert.Contains(lines, line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString()!.Contains("/nonexistent/model.gguf"));
    }

    /// <summary>Sends SIGTERM once a long stream has sent its first event; returns the events after that one, and the exit code.</summary>
    private static async Task<(List<string> Events, int ExitCode)> TerminateDuringLongStreamAsync(ServerProcess server)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await client.SendAsync(Api.Post("/v1/chat/completions", LongStream), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        var exitCode = server.TerminateAsync(ExitTimeout);
        var events = new List<string>();
        while (await stream.MoveNextAsync())
        {
            events.Add(stream.Current.Data);
        }
        return (events, await exitCode);
    }

    private static async Task<string?> ServedModelAsync(ServerProcess server)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        return (await client.GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data")[0].GetProperty("id").GetString();
    }

    /// <summary>A body sent without Content-Length, as a streaming client sends it, so only counting can enforce the limit.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
