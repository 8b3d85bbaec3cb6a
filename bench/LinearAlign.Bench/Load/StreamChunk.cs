using System.Text;
using System.Text.Json;

namespace LinearAlign.Bench.Load;

/// <summary>The usage a server reported for one request; <see cref="CachedTokens"/> only where it says (prompt_tokens_details).</summary>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int? CachedTokens);

/// <summary>What one streamed chunk of a chat or text completion says: generated text, usage, or an error.</summary>
public sealed record StreamChunk(string Text, TokenUsage? Usage, string? Error)
{
    public const string Done = "[DONE]";

    /// <summary>Reads one event's data; text of every choice is taken together, as a load test counts all output.</summary>
    public static StreamChunk Parse(string data, ApiEndpoint endpoint)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new StreamChunk("", null, $"unexpected event: {Shorten(data)}");
        }
        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            return new StreamChunk("", null, ErrorMessage(error));
        }
        var text = new StringBuilder();
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                var piece = endpoint == ApiEndpoint.Chat
                    ? choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object ? StringOrNull(delta, "content") : null
                    : StringOrNull(choice, "text");
                text.Append(piece);
            }
        }
        return new StreamChunk(text.ToString(), ReadUsage(root), null);
    }

    /// <summary>The message of an OpenAI-style error object, or the JSON itself when it has none.</summary>
    public static string ErrorMessage(JsonElement error) =>
        error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
            ? message.GetString()!
            : error.ValueKind == JsonValueKind.String ? error.GetString()! : Shorten(error.GetRawText());

    /// <summary>At most a line's worth of <paramref name="text"/>, for error messages.</summary>
    public static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static TokenUsage? ReadUsage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        int? cached = usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
            && details.TryGetProperty("cached_tokens", out var cachedTokens) && cachedTokens.ValueKind == JsonValueKind.Number
            ? cachedTokens.GetInt32()
            : null;
        return new TokenUsage(IntOrZero(usage, "prompt_tokens"), IntOrZero(usage, "completion_tokens"), cached);
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int IntOrZero(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;
}
