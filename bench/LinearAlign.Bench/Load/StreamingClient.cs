using System.Net.ServerSentEvents;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LinearAlign.Bench.Load;

/// <summary>A streamed request's timing and the text it generated (the next turn of a conversation sends it back).</summary>
public sealed record StreamedReply(RequestTiming Timing, string Text);

/// <summary>
/// Sends one streaming completion request and times it from the client's side. Every failure (HTTP status, error
/// event, broken or unfinished stream, timeout, and a fixed-length reply without text) ends up in the timing's
/// <see cref="RequestTiming.Error"/>; only the caller's own cancellation is thrown. A sampled reply may end before
/// its first token, as the model may end its turn at once.
/// </summary>
public sealed class StreamingClient(HttpClient http, TimeSpan timeout, long originTimestamp)
{
    /// <param name="onTokens">Told of tokens as they arrive (one per text chunk, then the correction from usage), for progress.</param>
    public async Task<StreamedReply> SendAsync(
        RequestShape shape, JsonObject body, RequestTiming tag, Action<int> onTokens, CancellationToken cancellationToken)
    {
        var endpoint = shape.Endpoint;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // A sized body, as some servers take no chunked uploads.
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint == ApiEndpoint.Chat ? "v1/chat/completions" : "v1/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        // A connection of its own: llama-server closes its end after every stream, so a pooled connection reused at
        // once can die under the next request ("response ended prematurely"). Every server gets the same fresh
        // loopback connection, whose setup (a fraction of a millisecond) is part of each TTFT alike.
        request.Headers.ConnectionClose = true;
        var start = Elapsed();
        double? first = null, last = null;
        int? status = null;
        TokenUsage? usage = null;
        var chunks = 0;
        var text = new StringBuilder();
        string? error = null;
        try
        {
            // Headers first, so the stream is read as it arrives.
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                error = $"HTTP {status}: {await ErrorOfBodyAsync(response, deadline.Token)}";
            }
            else
            {
                error = "stream ended before [DONE]";
                await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
                await foreach (var sse in SseParser.Create(stream).EnumerateAsync(deadline.Token))
                {
                    if (sse.Data == StreamChunk.Done)
                    {
                        error = chunks == 0 && shape.Decoding == Decoding.FixedLength ? "no text generated" : null;
                        break;
                    }
                    var chunk = StreamChunk.Parse(sse.Data, endpoint);
                    if (chunk.Error is not null)
                    {
                        error = chunk.Error;
                        break;
                    }
                    usage = chunk.Usage ?? usage;
                    if (chunk.Text.Length > 0)
                    {
                        last = Elapsed();
                        first ??= last;
                        chunks++;
                        text.Append(chunk.Text);
                        onTokens(1);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"timed out after {timeout.TotalSeconds:F0} s";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
        {
            // The innermost exception says what happened (connection reset, refused...); the outer one only that the request failed.
            var cause = e.GetBaseException();
            error = StreamChunk.Shorten(cause == e ? $"{e.GetType().Name}: {e.Message}" : $"{e.GetType().Name}: {e.Message} ({cause.GetType().Name}: {cause.Message})");
        }
        var completionTokens = usage?.CompletionTokens ?? chunks;
        onTokens(completionTokens - chunks);
        var timing = tag with
        {
            StartMs = start,
            FirstTokenMs = first,
            LastTokenMs = last,
            EndMs = Elapsed(),
            CompletionTokens = completionTokens,
            ContentChunks = chunks,
            UsageReported = usage is not null,
            PromptTokens = usage?.PromptTokens,
            CachedTokens = usage?.CachedTokens,
            HttpStatus = status,
            Error = error,
        };
        return new StreamedReply(timing, text.ToString());
    }

    private double Elapsed() => Stopwatch.GetElapsedTime(originTimestamp).TotalMilliseconds;

    private static async Task<string> ErrorOfBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
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
