using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace LinearAlign.Deploy.Tests;

/// <summary>The files under test, read from the working tree the tests were built from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.GetFullPath(Path.Combine(Root, relativePath));

    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));

    /// <summary>Repository-relative paths, with forward slashes, of the YAML files under the given folders.</summary>
    public static IEnumerable<string> YamlFilesUnder(params string[] folders) =>
        folders
            .SelectMany(folder => Directory.EnumerateFiles(PathOf(folder), "*", SearchOption.AllDirectories))
            .Where(path => path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// Every document of a YAML file as a JSON tree. Scalars stay the strings YAML wrote (8080 is "8080"), which is
    /// also how Kubernetes and the configuration binder see environment values.
    /// </summary>
    public static IReadOnlyList<JsonNode?> YamlDocuments(string relativePath) => ParseYaml(Read(relativePath));

    /// <summary>Every document of a YAML stream, as <see cref="YamlDocuments"/> reads a file's.</summary>
    public static IReadOnlyList<JsonNode?> ParseYaml(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var documents = new List<JsonNode?>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(ToJson(deserializer.Deserialize<object?>(parser)));
        }
        return documents;
    }

    /// <summary>The one document of a single-document YAML file.</summary>
    public static JsonNode Yaml(string relativePath) =>
        Assert.Single(YamlDocuments(relativePath)) ?? throw new InvalidDataException($"{relativePath} is empty.");

    public static JsonNode Json(string relativePath) =>
        JsonNode.Parse(Read(relativePath)) ?? throw new InvalidDataException($"{relativePath} is empty.");

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> mapping => new JsonObject(mapping.Select(entry => KeyValuePair.Create((string)entry.Key, ToJson(entry.Value)))),
        IList<object?> sequence => new JsonArray(sequence.Select(ToJson).ToArray()),
        _ => JsonValue.Create((string)value),
    };

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LinearAlignServer.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No LinearAlignServer.sln above {AppContext.BaseDirectory}.");
    }
}
