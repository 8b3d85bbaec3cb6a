using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LinearAlign.Server.Endpoints;

/// <summary>The wire format: snake_case names as in the OpenAI API, nulls omitted unless a contract says otherwise.</summary>
public static class ServerJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>Applies the wire format to <paramref name="options"/>; also used for ASP.NET's own JSON (OpenAPI schemas).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.NumberHandling = JsonNumberHandling.Strict;
        // Responses are JSON for API clients, never embedded in HTML, so quotes and apostrophes need no escaping.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/>: a larger body gives 413, a malformed or mistyped one
    /// a 400 naming the offending field. The body is buffered whole, which the limit keeps small. This is the only
    /// place the limit (Server:MaxRequestBytes) is enforced.
    /// </summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, long maxBytes, CancellationToken cancellationToken) where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, OpenAiErrors.PayloadTooLarge(maxBytes));
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, maxBytes) + 1);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        return (null, OpenAiErrors.PayloadTooLarge(maxBytes));
                    }
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            if (length > maxBytes)
            {
                return (null, OpenAiErrors.PayloadTooLarge(maxBytes));
            }
            if (length == 0)
            {
                return (null, OpenAiErrors.BadRequest("The request body is empty; send a JSON object.", null));
            }
            var json = buffer.AsSpan(0, length);
            // The JSON reader skips the text of fields it ignores unchecked; a body that is not UTF-8 is refused whole.
            if (!System.Text.Unicode.Utf8.IsValid(json))
            {
                return (null, OpenAiErrors.BadRequest("The request body is not valid UTF-8.", null));
            }
            return Deserialize<T>(json.StartsWith(Utf8ByteOrderMark) ? json[Utf8ByteOrderMark.Length..] : json);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (T? Value, IResult? Error) Deserialize<T>(ReadOnlySpan<byte> json) where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(json, Options);
            return value is null
                ? (null, OpenAiErrors.BadRequest("The request body must be a JSON object.", null))
                : (value, null);
        }
        catch (JsonException e)
        {
            var param = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null : e.Path.TrimStart('$', '.');
            var message = param is null
                ? "The request body is not valid JSON (or not a JSON object)."
                : $"'{param}' has the wrong type or is malformed.";
            return (null, OpenAiErrors.BadRequest(message, param));
        }
    }
}
