using System.Text.Json;
using System.Text.Json.Serialization;

namespace LinearAlign.Bench;

/// <summary>The JSON conventions of reports and workload files: snake_case names and enum values, as the OpenAI API writes them.</summary>
public static class BenchJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static async Task WriteFileAsync<T>(string path, T value)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, value, Options);
    }
}
