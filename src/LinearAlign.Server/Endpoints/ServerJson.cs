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
            var where = param is null ? string.Empty : $" at '{param}'";
            return (null, OpenAiErrors.BadRequest($"The request body is not valid JSON for this endpoint{where}: {FirstSentence(e.Message)}", param));
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
