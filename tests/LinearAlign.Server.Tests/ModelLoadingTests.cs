using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LinearAlign.Server.Tests;

/// <summary>While the model downloads, the server is live but not ready, and API routes say so.</summary>
public sealed class ModelLoadingTests : IAsyncLifetime
{
    // Accepts connections and never answers, so the download, and with it the model load, stays pending.
    private readonly TcpListener _silentModelHost = new(IPAddress.Loopback, 0);
    private WebApplicationFactory<Program> _server = null!;

    public Task InitializeAsync()
    {
        _silentModelHost.Start();
        var port = ((IPEndPoint)_silentModelHost.LocalEndpoint).Port;
        _server = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Model:Path", "");
            builder.UseSetting("Model:Url", $"http://127.0.0.1:{port}/model.gguf");
            builder.UseSetting("Model:CacheDirectory", Path.Combine(Path.GetTempPath(), $"linearalign-loading-{Guid.NewGuid():N}"));
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _silentModelHost.Stop();
    }

    [Fact]
    public async Task While_the_model_loads_health_is_ok_readiness_and_api_routes_are_503()
    {
        using var client = _server.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        foreach (var response in new[]
        {
            await client.GetAsync("/v1/models"),
            await client.PostAsync("/v1/chat/completions", new StringContent("""{"messages":[{"role":"user","content":"Hi"}]}""")),
            await client.PostAsync("/v1/completions", new StringContent("""{"prompt":"Hi"}""")),
            await client.PostAsync("/tokenize", new StringContent("""{"content":"Hi"}""")),
        })
        {
            Api.AssertError(HttpStatusCode.ServiceUnavailable, response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), "server_error", null, "model_loading");
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }
}
