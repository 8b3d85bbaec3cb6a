using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LinearAlign.Server.Endpoints;

/// <summary>The wire format: snake_case names as in the OpenAI API, nulls omitted unless a contract says otherwise.</summary>
public static class ServerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        // Responses are JSON for API clients, never embedded in HTML, so quotes and apostrophes need no escaping.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads a JSON body; a malformed or mistyped body gives a 400 naming the offending field.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        if (request.ContentLength == 0)
        {
            return (null, OpenAiErrors.BadRequest("The request body is empty; send a JSON object.", null));
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken);
            return value is null
                ? (null, OpenAiErrors.BadRequest("The request body must be a JSON object.", null))
                : (value, null);
        }
        catch (JsonException e)
        {
            var param = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? null : e.Path.TrimStart('$', '.');
            var message = param is null
                ? "The request body is not valid JSON."
                : $"'{param}' has the wrong type or is malformed.";
            return (null, OpenAiErrors.BadRequest(message, param));
        }
    }
}
