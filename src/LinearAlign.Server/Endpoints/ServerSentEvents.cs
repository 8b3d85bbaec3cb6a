using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace LinearAlign.Server.Endpoints;

/// <summary>
/// The OpenAI streaming wire format: "data: {json}\n\n" per event, "data: [DONE]\n\n" at the end, each flushed at once.
/// An event is serialized straight into the response's pipe and flushed once: on a CPU that the decoding threads keep
/// busy, every extra await and write on this side is time taken from a decode step.
/// </summary>
public static class ServerSentEvents
{
    public static void Start(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public static ValueTask<FlushResult> WriteAsync<T>(HttpResponse response, T payload, CancellationToken cancellationToken)
    {
        var pipe = response.BodyWriter;
        pipe.Write("data: "u8);
        using (var json = new Utf8JsonWriter(pipe))
        {
            JsonSerializer.Serialize(json, payload, ServerJson.Options);
        }
        pipe.Write("\n\n"u8);
        return pipe.FlushAsync(cancellationToken);
    }

    public static ValueTask<FlushResult> WriteDoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.BodyWriter.Write("data: [DONE]\n\n"u8);
        return response.BodyWriter.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// Text events of one response, the event sent per token. Each choice's chunk is rendered once by its format with a
/// marker for the text; every event then is that prefix, the text as a JSON string (escaped as the serializer would),
/// and that suffix, so a token costs no object graph and no serializer pass. The response's first event goes through
/// the serializer, as it may carry fields sent once (linear_alignment).
/// </summary>
public sealed class TextEvents(IResponseFormat format)
{
    private const string Marker = "\0text\0";
    private readonly Dictionary<int, (byte[] Prefix, byte[] Suffix)> _templates = [];
    private Utf8JsonWriter? _text;
    private bool _started;

    public ValueTask<FlushResult> WriteAsync(HttpResponse response, int index, string text, CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            return ServerSentEvents.WriteAsync(response, format.Text(index, text), cancellationToken);
        }
        if (!_templates.TryGetValue(index, out var template))
        {
            template = Render(index);
            _templates[index] = template;
        }
        var pipe = response.BodyWriter;
        pipe.Write(template.Prefix);
        _text ??= new Utf8JsonWriter(pipe, new JsonWriterOptions { Encoder = ServerJson.Options.Encoder, SkipValidation = true });
        _text.Reset(pipe);
        _text.WriteStringValue(text);
        _text.Flush();
        pipe.Write(template.Suffix);
        return pipe.FlushAsync(cancellationToken);
    }

    private (byte[] Prefix, byte[] Suffix) Render(int index)
    {
        var chunk = JsonSerializer.SerializeToUtf8Bytes(format.Text(index, Marker), ServerJson.Options);
        var marker = JsonSerializer.SerializeToUtf8Bytes(Marker, ServerJson.Options);
        var at = chunk.AsSpan().IndexOf(marker);
        return ([.. "data: "u8, .. chunk.AsSpan(0, at)], [.. chunk.AsSpan(at + marker.Length), .. "\n\n"u8]);
    }
}
