using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace LinearAlign.Server.Endpoints;

/// <summary>
/// The OpenAI streaming wire format: "data: {json}\n\n" per event, "data: [DONE]\n\n" at the end, each flushed at once.
/// An event is serialized straight into the response's pipe, escaped as every other response is, and flushed once: on
/// a CPU that the decoding threads keep busy, every extra await and write on this side is time taken from a step.
/// </summary>
/// <remarks>
/// Kept rather than the platform's SseFormatter (TypedResults.ServerSentEvents): neither writes an event without
/// allocating (measured 2026-12-04 with the same chat chunk: about 450 bytes an event either way, all of it the JSON
/// serialization), and SseFormatter adds a copy of every event from its buffer into the response stream.
/// </remarks>
public static class ServerSentEvents
{
    // Serializing into a writer escapes by the writer's options, not the serializer's.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = ServerJson.Options.Encoder };

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
        using (var json = new Utf8JsonWriter(pipe, WriterOptions))
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
