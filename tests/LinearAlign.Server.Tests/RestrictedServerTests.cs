using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LinearAlign.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LinearAlign.Server.Tests;

/// <summary>API keys, body limit, admission limit and CORS, as an operator configures them.</summary>
[Collection(RestrictedServerCollection.Name)]
public sealed class RestrictedServerTests(RestrictedServerFixture server)
{
    private const string Chat = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""";

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Bearer sk-test-key-1x")]
    [InlineData("Basic c2stdGVzdC1rZXktMQ==")]
    [InlineData("sk-test-key-1")]
    public async Task Api_routes_without_a_valid_bearer_key_get_401_invalid_api_key(string? authorization)
    {
        foreach (var (method, path) in new[] { ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"), ("GET", "/v1/models"), ("GET", "/v1/models/tiny"), ("POST", "/tokenize"), ("POST", "/detokenize") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent(Chat) : null };
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await server.Client.SendAsync(request);

            Api.AssertError(HttpStatusCode.Unauthorized, response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), "invalid_request_error", null, "invalid_api_key");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task With_metrics_behind_the_key_a_scrape_needs_it()
    {
        using var authorized = server.AuthorizedClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await authorized.GetAsync("/metrics")).StatusCode);
    }

    [Theory]
    [InlineData(RestrictedServerFixture.ApiKey)]
    [InlineData(RestrictedServerFixture.OtherApiKey)]
    public async Task Any_configured_key_is_accepted(string key)
    {
        using var client = server.AuthorizedClient(key);

        var (status, _) = await Api.PostAsync(client, "/v1/chat/completions", Chat);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    public async Task Health_and_the_api_description_stay_open(string path) =>
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(path)).StatusCode);

    [Fact]
    public async Task A_body_over_the_limit_gets_413()
    {
        using var client = server.AuthorizedClient();
        var json = JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = new string('a', RestrictedServerFixture.MaxRequestBytes) } } });

        var (status, body) = await Api.PostAsync(client, "/v1/chat/completions", json);

        Api.AssertError(HttpStatusCode.RequestEntityTooLarge, status, body, "invalid_request_error", null, "request_too_large");
    }

    [Fact]
    public async Task When_every_sequence_is_busy_and_the_queue_is_full_a_request_gets_429_with_retry_after()
    {
        using var client = server.AuthorizedClient();
        var engine = server.Services.GetRequiredService<ModelHost>().Engine!;
        var running = await client.SendAsync(
            Api.Post("/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":1000,"principle":"Be kind","stream":true,"logit_bias":{"2":-100,"4":-100}}"""),
            HttpCompletionOption.ResponseHeadersRead);
        var queued = client.PostAsync("/v1/chat/completions", new StringContent("""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":1}"""));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (engine.OutstandingRequests < 2)
        {
            await Task.Delay(10, timeout.Token);
        }

        using var refused = await client.PostAsync("/v1/chat/completions", new StringContent(Chat));

        Api.AssertError(HttpStatusCode.TooManyRequests, refused.StatusCode, await refused.Content.ReadFromJsonAsync<JsonElement>(), "rate_limit_exceeded", null, "queue_full");
        Assert.NotNull(refused.Headers.RetryAfter);
        running.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
    }

    [Fact]
    public async Task A_browser_preflight_from_an_allowed_origin_is_answered()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        preflight.Headers.Add("Origin", RestrictedServerFixture.AllowedOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        using var response = await server.Client.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(RestrictedServerFixture.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Other_origins_get_no_cors_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", "https://evil.example.com");

        using var response = await server.Client.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
