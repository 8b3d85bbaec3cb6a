using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
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

    /// <summary>The data of each server-sent event, in order, read by the platform's parser.</summary>
    public static List<string> Events(string raw) =>
        [.. SseParser.Create(new MemoryStream(Encoding.UTF8.GetBytes(raw))).Enumerate().Select(item => item.Data)];

    /// <summary>Reads a live event stream up to its first event's data.</summary>
    public static async Task<string?> FirstEventAsync(Stream stream)
    {
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            return item.Data;
        }
        return null;
    }

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
