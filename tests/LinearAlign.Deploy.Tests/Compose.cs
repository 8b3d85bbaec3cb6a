using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LinearAlign.Deploy.Tests;

/// <summary>A short-syntax volume of a compose service: a named volume, or a bind mount of a path relative to the compose file.</summary>
internal sealed record ComposeVolume(string Source, string Target)
{
    public bool IsBindMount => Source.StartsWith('.') || Source.StartsWith('/');

    /// <summary>The bind-mounted path relative to the repository root.</summary>
    public string RepositoryPath => Compose.RepositoryPath(Source);
}

/// <summary>docker/compose.yaml, with paths resolved the way compose resolves them: against the file's folder.</summary>
internal static partial class Compose
{
    public const string File = "docker/compose.yaml";

    private static readonly JsonNode Document = Repository.Yaml(File);

    public static IEnumerable<string> ServiceNames => Document["services"].Entries().Select(service => service.Key);

    public static JsonNode Service(string name) => Document["services"]?[name] ?? throw new InvalidDataException($"{File} has no service {name}.");

    /// <summary>The service built from this Dockerfile (with the context and Dockerfile paths compose would use).</summary>
    public static string ServiceBuiltFrom(string dockerfile) =>
        Assert.Single(ServiceNames, name => Service(name)["build"] is { } build
            && RepositoryPath(build["context"].Text("build.context")) == "."
            && build["dockerfile"].Text("build.dockerfile") == dockerfile);

    /// <summary>The service running this image (by repository, without the tag).</summary>
    public static string ServiceOfImage(string repository) =>
        Assert.Single(ServiceNames, name => Service(name)["image"]?.GetValue<string>().Split(':')[0] == repository);

    public static IReadOnlyList<ComposeVolume> Volumes(string service) =>
        Service(service)["volumes"].Items().Select(volume =>
        {
            var parts = volume.Text("volume").Split(':');
            return new ComposeVolume(parts[0], parts[1]);
        }).ToList();

    public static IReadOnlyDictionary<string, string> Environment(string service) =>
        Service(service)["environment"].Entries().ToDictionary(variable => variable.Key, variable => variable.Value.Text(variable.Key));

    /// <summary>The container side of each port mapping ("8080:8080").</summary>
    public static IEnumerable<int> ContainerPorts(string service) =>
        Service(service)["ports"].Items().Select(port => int.Parse(port.Text("port").Split(':')[^1]));

    /// <summary>Compose durations: 45s, 1m30s.</summary>
    public static TimeSpan Duration(string text)
    {
        Assert.Matches(DurationPattern(), text);
        return DurationPart().Matches(text).Aggregate(TimeSpan.Zero, (sum, part) => sum + int.Parse(part.Groups[1].Value) * part.Groups[2].Value switch
        {
            "h" => TimeSpan.FromHours(1),
            "m" => TimeSpan.FromMinutes(1),
            _ => TimeSpan.FromSeconds(1),
        });
    }

    public static string RepositoryPath(string pathFromComposeFolder) =>
        Path.GetRelativePath(Repository.Root, Path.GetFullPath(pathFromComposeFolder, Path.GetDirectoryName(Repository.PathOf(File))!)).Replace('\\', '/');

    [GeneratedRegex(@"^(\d+[hms])+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"(\d+)([hms])")]
    private static partial Regex DurationPart();
}
