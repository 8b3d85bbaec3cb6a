using System.Text.Json;
using Microsoft.Playwright;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>
/// What the server streamed to the page for the linear alignment choice (choice 0) of a comparison, read back from the
/// response the browser received: its per-token steering and the diagnostics of its final chunk.
/// </summary>
internal sealed record SteeringStream(IReadOnlyList<JsonElement> Tokens, JsonElement Diagnostics)
{
    public int SteeredTokens => Diagnostics.GetProperty("steered_tokens").GetInt32();

    public int Steps => Diagnostics.GetProperty("steps").GetInt32();

    /// <summary>Waits for the whole stream, which ends with the replies.</summary>
    public static async Task<SteeringStream> ReadAsync(IRequest request)
    {
        var response = await request.ResponseAsync() ?? throw new InvalidOperationException("The chat request got no response.");
        var chunks = Api.Events(await response.TextAsync())
            .Where(data => data != "[DONE]")
            .Select(data => JsonSerializer.Deserialize<JsonElement>(data))
            .ToList();
        var tokens = chunks
            .SelectMany(chunk => chunk.TryGetProperty("choices", out var choices) ? choices.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Where(choice => choice.GetProperty("index").GetInt32() == 0
                && choice.TryGetProperty("linear_alignment", out var steering) && steering.TryGetProperty("tokens", out _))
            .SelectMany(choice => choice.GetProperty("linear_alignment").GetProperty("tokens").EnumerateArray())
            .ToList();
        var diagnostics = chunks
            .Where(chunk => chunk.TryGetProperty("linear_alignment", out var alignment) && alignment.TryGetProperty("diagnostics", out _))
            .SelectMany(chunk => chunk.GetProperty("linear_alignment").GetProperty("diagnostics").EnumerateArray())
            .Single(entry => entry.GetProperty("index").GetInt32() == 0);
        return new SteeringStream(tokens, diagnostics);
    }

    /// <summary>A token as the page names it in a steered token's description.</summary>
    public static string Label(string text) =>
        text == "" ? "the end of the reply"
        : text.Trim() is { Length: > 0 } visible ? $"“{visible}”"
        : text.Contains('\n', StringComparison.Ordinal) ? "a line break"
        : "a space";
}
