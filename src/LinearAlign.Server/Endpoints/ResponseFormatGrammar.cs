using System.Text.Json;
using LinearAlign.Server.StructuredOutput;

namespace LinearAlign.Server.Endpoints;

/// <summary>
/// response_format as the grammar the engine constrains sampling with: none for text, any JSON object for
/// json_object, the schema's grammar for json_schema. A schema the converter cannot express is a 400 naming the
/// keyword, never free text in its place.
/// </summary>
public static class ResponseFormatGrammar
{
    public const string Param = "response_format";
    public const string SchemaParam = "response_format.json_schema.schema";

    /// <summary>The GBNF grammar for the response format, or null where the output is free text.</summary>
    public static string? Of(JsonElement? format)
    {
        if (format is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException(Param, "'response_format' must be an object such as {\"type\": \"json_object\"}.");
        }
        var type = value.TryGetProperty("type", out var typeValue) && typeValue.ValueKind == JsonValueKind.String ? typeValue.GetString() : null;
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                return JsonGrammar.JsonObject;
            case "json_schema":
                return SchemaGrammar(value);
            default:
                throw new RequestValidationException($"{Param}.type", "'response_format.type' must be 'text', 'json_object' or 'json_schema'.");
        }
    }

    private static string SchemaGrammar(JsonElement format)
    {
        if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException($"{Param}.json_schema", "'response_format.json_schema' is required with type 'json_schema': {\"name\", \"schema\", \"strict\"}.");
        }
        // OpenAI makes the schema optional: without one the reply is any JSON object.
        if (!jsonSchema.TryGetProperty("schema", out var schema) || schema.ValueKind == JsonValueKind.Null)
        {
            return JsonGrammar.JsonObject;
        }
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
        {
            throw new RequestValidationException(SchemaParam, "'response_format.json_schema.schema' must be a JSON Schema object.");
        }
        try
        {
            return JsonSchemaGrammar.FromSchema(schema);
        }
        catch (UnsupportedSchemaException unsupported)
        {
            throw new RequestValidationException(
                SchemaParam, $"The schema's '{unsupported.Keyword}' at {unsupported.Path} is not supported: {unsupported.Reason}");
        }
    }
}
