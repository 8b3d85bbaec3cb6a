using System.Globalization;
using System.Text.Json.Nodes;

namespace LinearAlign.Deploy.Tests;

/// <summary>The manifests under deploy/k8s, read as kustomize reads them, and the parts of them the tests look at.</summary>
internal static class Kubernetes
{
    public const string Base = "deploy/k8s/base";

    public const string GpuOverlay = "deploy/k8s/overlays/gpu";

    public const string Monitoring = "deploy/k8s/monitoring";

    public const string InferenceGateway = "deploy/k8s/inference-gateway";

    public static JsonNode Kustomization(string folder) => Repository.Yaml($"{folder}/kustomization.yaml");

    /// <summary>The documents of the files a kustomization lists as resources (not those of the folders it lists).</summary>
    public static IEnumerable<JsonNode> Resources(string folder) =>
        Kustomization(folder)["resources"].Items()
            .Select(resource => $"{folder}/{resource.Text("resource")}")
            .Where(path => File.Exists(Repository.PathOf(path)))
            .SelectMany(Repository.YamlDocuments)
            .OfType<JsonNode>();

    public static JsonNode Single(IEnumerable<JsonNode> manifests, string kind) =>
        Assert.Single(manifests, manifest => manifest["kind"]?.GetValue<string>() == kind);

    public static JsonNode Deployment => Single(Resources(Base), "Deployment");

    public static JsonNode PodSpec => Deployment["spec"]!["template"]!["spec"]!;

    public static IReadOnlyDictionary<string, string> PodLabels =>
        Deployment["spec"]!["template"]!["metadata"]!["labels"].Entries().ToDictionary(label => label.Key, label => label.Value.Text(label.Key));

    /// <summary>The one container of the server pod.</summary>
    public static JsonNode Container => Assert.Single(PodSpec["containers"].Items());

    /// <summary>The server container as the GPU overlay patches it.</summary>
    public static JsonNode GpuContainerPatch =>
        Assert.Single(Repository.Yaml($"{GpuOverlay}/{Assert.Single(Kustomization(GpuOverlay)["patches"].Items())["path"].Text("patch path")}")
            ["spec"]!["template"]!["spec"]!["containers"].Items());

    /// <summary>The variables with a literal value (those from a resourceFieldRef or a Secret are known only to the cluster).</summary>
    public static IReadOnlyDictionary<string, string> LiteralEnvironment(params JsonNode[] containers) =>
        containers.SelectMany(container => container["env"].Items())
            .Where(variable => variable["value"] is not null)
            .GroupBy(variable => variable["name"].Text("env name"))
            .ToDictionary(variable => variable.Key, variable => variable.Last()["value"].Text(variable.Key));

    public static IEnumerable<string> EnvironmentNames(JsonNode container) => container["env"].Items().Select(variable => variable["name"].Text("env name"));

    public static JsonNode Variable(JsonNode container, string name) =>
        Assert.Single(container["env"].Items(), variable => variable["name"]?.GetValue<string>() == name);

    /// <summary>A port as a probe or Service names it (number or container port name), as the container port number.</summary>
    public static int ContainerPort(string port) =>
        int.TryParse(port, out var number)
            ? number
            : int.Parse(Assert.Single(Container["ports"].Items(), p => p["name"]?.GetValue<string>() == port)["containerPort"].Text("containerPort"));

    /// <summary>A CPU quantity in cores: "4", "1.5", "500m".</summary>
    public static decimal Cores(string quantity) =>
        quantity.EndsWith('m') ? decimal.Parse(quantity[..^1], CultureInfo.InvariantCulture) / 1000 : decimal.Parse(quantity, CultureInfo.InvariantCulture);

    public static bool Selects(JsonNode? matchLabels, IReadOnlyDictionary<string, string> labels) =>
        matchLabels.Entries().Any() && matchLabels.Entries().All(label => labels.GetValueOrDefault(label.Key) == label.Value?.GetValue<string>());
}
