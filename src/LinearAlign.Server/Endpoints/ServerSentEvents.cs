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
