using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

/// <summary>Calls and assertions the API tests share.</summary>
public static class Api
{
    /// <summary>Biases the tiny model's end-of-generation tokens away, so generation runs to max_tokens.</summary>
    public const string NoEndOfGeneration = "\"logit_bias\":{\"2\":-100,\"4\":-100}";

    public static HttpRequestMessage Post(string path, string json) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
    };

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.SendAsync(Post(path, json));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>The raw text of a streamed response, read to its end.</summary>
    public static async Task<(HttpResponseMessage Response, string Raw)> StreamAsync(HttpClient client, string path, string json)
    {
        var response = await client.SendAsync(Post(path, json), HttpCompletionOption.ResponseHeadersRead);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The payloads of "data: ..." events, in order.</summary>
    public static List<string> Events(string raw) => raw
        .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
        .Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : throw new Xunit.Sdk.XunitException($"Not a data event: {e}"))
        .ToList();

    public static void AssertError(HttpStatusCode expectedStatus, HttpStatusCode status, JsonElement body, string type, string? param, string? code)
    {
        Assert.Equal(expectedStatus, status);
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    public static void AssertInvalidRequest(HttpStatusCode status, JsonElement body, string? param, string? code = null) =>
        AssertError(HttpStatusCode.BadRequest, status, body, "invalid_request_error", param, code);
}
