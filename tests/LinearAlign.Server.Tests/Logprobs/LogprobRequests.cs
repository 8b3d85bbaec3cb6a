using System.Net;
using System.Text;
using System.Text.Json;

namespace LinearAlign.Server.Tests.Logprobs;

/// <summary>The requests the log-probability tests send, and how they read the answers.</summary>
public static class LogprobRequests
{
    public const string Chat = "/v1/chat/completions";
    public const string Completions = "/v1/completions";

    /// <summary>Runs to max_tokens with no stop string, so the tokens make up the whole text.</summary>
    private const string Sampling = "\"max_tokens\":8," + Api.NoEndOfGeneration;

    public const string Greedy = Sampling + ",\"temperature\":0";
    public const string Sampled = Sampling + ",\"temperature\":1.5,\"seed\":11";
    public const string Aligned = "\"principle\":\"Be kind\",\"step_size\":2";

    /// <summary>A chat request: the dialog, then <paramref name="fields"/> (JSON members).</summary>
    public static string ChatBody(params string[] fields) =>
        """{"messages":[{"role":"user","content":"What is the answer"}]""" + string.Concat(fields.Select(field => "," + field)) + "}";

    /// <summary>A completion request: the prompt, then <paramref name="fields"/> (JSON members).</summary>
    public static string CompletionBody(params string[] fields) =>
        "{\"prompt\":\"What is the answer\"" + string.Concat(fields.Select(field => "," + field)) + "}";

    /// <summary>The first choice of a successful response.</summary>
    public static async Task<(JsonElement Body, JsonElement Choice)> FirstChoiceAsync(HttpClient client, string path, string json)
    {
        var (status, body) = await Api.PostAsync(client, path, json);
        Assert.True(status == HttpStatusCode.OK, body.GetRawText());
        return (body, body.GetProperty("choices")[0]);
    }

    /// <summary>The JSON chunks of a successful stream, [DONE] left out.</summary>
    public static async Task<List<JsonElement>> ChunksAsync(HttpClient client, string path, string json)
    {
        var (response, raw) = await Api.StreamAsync(client, path, json);
        using var _ = response;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = Api.Events(raw);
        Assert.Equal("[DONE]", events[^1]);
        return events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
    }

    /// <summary>choices[i].logprobs.content of a chat choice or chunk choice.</summary>
    public static List<JsonElement> Entries(JsonElement choice) =>
        choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();

    public static string Content(JsonElement choice) => choice.GetProperty("message").GetProperty("content").GetString()!;

    public static List<string> PropertyNames(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    public static byte[] Bytes(JsonElement entry) => entry.GetProperty("bytes").EnumerateArray().Select(b => checked((byte)b.GetInt32())).ToArray();

    /// <summary>The bytes as text, or null where they are not whole UTF-8 characters (a token can hold part of one).</summary>
    public static string? WholeUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    public static List<T> Array<T>(JsonElement parent, string name, Func<JsonElement, T> read) =>
        parent.GetProperty(name).EnumerateArray().Select(read).ToList();
}
