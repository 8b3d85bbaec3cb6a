using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LinearAlign.Bench.Load;
using LinearAlign.Engine.Text;

namespace LinearAlign.Bench.Eval;

/// <summary>A failed completion request: its HTTP status where there was one, and what the server or the client said.</summary>
public sealed class EvalRequestException(string message, int? status) : Exception(message)
{
    public int? Status => status;
}

/// <param name="Texts">Each choice's content by index.</param>
/// <param name="Compare">linear_alignment.compare: what each choice index holds, when the server sent it.</param>
public sealed record ChatResult(IReadOnlyList<string> Texts, IReadOnlyList<string>? Compare, int CompletionTokens);

/// <summary>Non-streaming chat completions: the whole reply is scored, so nothing is gained from streaming it.</summary>
public sealed class ChatCompletions(HttpClient http, TimeSpan timeout)
{
    /// <summary>A chat request's body; <paramref name="alignment"/> adds the principle with alignment_compare at a step size.</summary>
    public static JsonObject Body(
        string? model, IReadOnlyList<ChatMessage> messages, double temperature, double topP, int maxTokens, long seed,
        (string Principle, double StepSize)? alignment = null)
    {
        var body = new JsonObject();
        if (model is not null)
        {
            body["model"] = model;
        }
        body["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        body["temperature"] = temperature;
        body["top_p"] = topP;
        body["max_tokens"] = maxTokens;
        body["seed"] = seed;
        if (alignment is { } a)
        {
            body["principle"] = a.Principle;
            body["step_size"] = a.StepSize;
            body["alignment_compare"] = true;
        }
        return body;
    }

    /// <summary>Sends one request; every failure (status, timeout, connection, malformed reply) is an <see cref="EvalRequestException"/>.</summary>
    public async Task<ChatResult> SendAsync(JsonObject body, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                throw new EvalRequestException($"HTTP {status}: {ErrorOf(text)}", status);
            }
            return Parse(text);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EvalRequestException($"timed out after {timeout.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s", null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new EvalRequestException(StreamChunk.Shorten($"{e.GetType().Name}: {e.GetBaseException().Message}"), null);
        }
    }

    /// <summary>The choices' contents by index (null content, as some servers send for an empty reply, is ""), and the extension's compare list.</summary>
    public static ChatResult Parse(string json)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            root = null;
        }
        if (root?["choices"] is not JsonArray choices)
        {
            throw new EvalRequestException($"not a chat completion: {StreamChunk.Shorten(json)}", null);
        }
        try
        {
            var texts = choices
                .Select((choice, position) => (Index: (int?)choice?["index"] ?? position, Text: (string?)choice?["message"]?["content"] ?? ""))
                .OrderBy(c => c.Index)
                .Select(c => c.Text)
                .ToList();
            var compare = (root["linear_alignment"]?["compare"] as JsonArray)?.Select(name => (string?)name ?? "").ToList();
            return new ChatResult(texts, compare, (int?)root["usage"]?["completion_tokens"] ?? 0);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new EvalRequestException($"a chat completion of unexpected shape ({e.Message}): {StreamChunk.Shorten(json)}", null);
        }
    }

    private static string ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) ? StreamChunk.ErrorMessage(error) : StreamChunk.Shorten(body);
        }
        catch (JsonException)
        {
            return StreamChunk.Shorten(body);
        }
    }
}
