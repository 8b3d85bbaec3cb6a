using System.Text.Json;

namespace LinearAlign.Engine.Model;

/// <summary>
/// A principle the model file says it was trained to follow (GGUF metadata <see cref="MetadataKey"/>), for clients to
/// offer as an example: <paramref name="Name"/> is a short label, <paramref name="Principle"/> the text to send.
/// </summary>
public sealed record ModelPrinciple(string Name, string Principle)
{
    /// <summary>A JSON array of {"name", "principle"} objects, as `bench train` writes it.</summary>
    public const string MetadataKey = "linearalign.principles";

    /// <summary>
    /// The principles in a <see cref="MetadataKey"/> value: a non-empty JSON array of objects whose "name" and
    /// "principle" are non-blank strings (other fields are ignored). Throws <see cref="FormatException"/> saying what
    /// is wrong otherwise.
    /// </summary>
    internal static IReadOnlyList<ModelPrinciple> ParseList(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"it is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"it is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an array");
            }
            if (root.GetArrayLength() == 0)
            {
                throw new FormatException("the array is empty");
            }
            return [.. root.EnumerateArray().Select((entry, index) => new ModelPrinciple(Text(entry, index, "name"), Text(entry, index, "principle")))];
        }
    }

    private static string Text(JsonElement entry, int index, string field) =>
        entry.ValueKind == JsonValueKind.Object
        && entry.TryGetProperty(field, out var value)
        && value.ValueKind == JsonValueKind.String
        && value.GetString() is { } text
        && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new FormatException($"entry {index} has no non-blank string \"{field}\"");
}
