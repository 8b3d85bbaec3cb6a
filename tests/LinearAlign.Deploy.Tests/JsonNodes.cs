using System.Text.Json.Nodes;

namespace LinearAlign.Deploy.Tests;

internal static class JsonNodes
{
    /// <summary>The scalar at this node, failing with its path when it is missing.</summary>
    public static string Text(this JsonNode? node, string what) =>
        node?.GetValue<string>() ?? throw new InvalidDataException($"{what} is missing.");

    public static IEnumerable<JsonNode> Items(this JsonNode? node) => node?.AsArray().OfType<JsonNode>() ?? [];

    public static IEnumerable<KeyValuePair<string, JsonNode?>> Entries(this JsonNode? node) => node?.AsObject() ?? [];
}
