using System.Text.Json.Nodes;

namespace LinearAlign.Deploy.Tests;

/// <summary>
/// deploy/k8s/inference-gateway against the server: the endpoint picker reads metrics the server exports, with the
/// types the model server protocol asks for, from the pods the base deploys, and the route sends it the requests it
/// can schedule.
/// </summary>
public sealed class InferenceGatewayTests
{
    private static readonly IReadOnlyList<JsonNode> Rendered = Kustomize.Render(Kubernetes.InferenceGateway);

    private static readonly IReadOnlyDictionary<string, string> ServerEnvironment = Kubernetes.LiteralEnvironment(Kubernetes.Container);

    private static JsonNode Pool => Kubernetes.Single(Rendered, "InferencePool");

    private static JsonNode Picker => Kubernetes.Single(Rendered, "Deployment");

    private static JsonNode PickerContainer => Assert.Single(Picker["spec"]!["template"]!["spec"]!["containers"].Items());

    private static JsonNode PickerConfig =>
        Repository.ParseYaml(Assert.Single(Kubernetes.Single(Rendered, "ConfigMap")["data"].Entries()).Value.Text("configuration")).Single()!;

    /// <summary>The metric specification of the engine the picker applies to the pool's pods.</summary>
    private static JsonNode EngineConfig
    {
        get
        {
            var extractor = Assert.Single(PickerConfig["plugins"].Items(), plugin => plugin["type"]?.GetValue<string>() == "core-metrics-extractor")["parameters"]!;
            var engine = extractor["defaultEngine"].Text("defaultEngine");
            return Assert.Single(extractor["engineConfigs"].Items(), config => config["name"]?.GetValue<string>() == engine);
        }
    }

    /// <summary>The metric family a spec names (a PromQL selector, with or without label matchers); null when it is disabled.</summary>
    private static string? Family(string spec) => EngineConfig[spec].Text(spec) is { Length: > 0 } selector ? selector.Split('{')[0] : null;

    private static string Argument(string flag) =>
        Assert.Single(PickerContainer["args"].Items().Select(arg => arg.Text("arg")), arg => arg.StartsWith($"--{flag}=", StringComparison.Ordinal))[$"--{flag}=".Length..];

    [Theory]
    [InlineData("queuedRequestsSpec")]
    [InlineData("runningRequestsSpec")]
    [InlineData("kvUsageSpec")]
    public void The_picker_reads_each_metric_the_protocol_requires_from_a_gauge_the_server_exports(string spec)
    {
        var family = Family(spec) ?? throw new InvalidDataException($"{spec} is disabled, but the model server protocol requires it.");

        Assert.True(Metrics.Families.TryGetValue(family, out var type), $"{spec} names {family}, which the server does not export.");
        Assert.Equal(MetricType.Gauge, type);
    }

    [Fact]
    public void Kv_cache_utilisation_is_read_from_a_ratio_between_0_and_1() =>
        Assert.EndsWith("_ratio", Family("kvUsageSpec"));

    [Theory]
    [InlineData("loraSpec")]
    [InlineData("cacheInfoSpec")]
    public void The_picker_is_not_sent_looking_for_optional_metrics_the_server_does_not_have(string spec) =>
        Assert.Null(Family(spec));

    [Fact]
    public void The_picker_scrapes_the_servers_metrics_route()
    {
        var source = Assert.Single(PickerConfig["plugins"].Items(), plugin => plugin["type"]?.GetValue<string>() == "metrics-data-source");

        Assert.Equal(ServerRoutes.Metrics, source["parameters"]!["path"].Text("path"));
        Assert.Contains(PickerConfig["dataLayer"]!["sources"].Items(), data =>
            data["pluginRef"]?.GetValue<string>() == "metrics-data-source"
            && data["extractors"].Items().Any(extractor => extractor["pluginRef"]?.GetValue<string>() == "core-metrics-extractor"));
    }

    [Fact]
    public void Every_plugin_the_scheduling_profile_uses_is_configured()
    {
        var plugins = PickerConfig["plugins"].Items().Select(plugin => plugin["name"]?.GetValue<string>() ?? plugin["type"].Text("type")).ToHashSet();

        Assert.All(PickerConfig["schedulingProfiles"].Items().SelectMany(profile => profile["plugins"].Items()), used => Assert.Contains(used["pluginRef"].Text("pluginRef"), plugins));
    }

    [Fact]
    public void The_pool_is_the_server_pods_on_the_port_the_server_listens_on()
    {
        Assert.True(Kubernetes.Selects(Pool["spec"]!["selector"]!["matchLabels"], Kubernetes.PodLabels));
        Assert.Equal(Kestrel.Port(ServerEnvironment), int.Parse(Assert.Single(Pool["spec"]!["targetPorts"].Items())["number"].Text("targetPorts.number")));
    }

    [Fact]
    public void The_pool_calls_the_picker_on_its_service_and_the_picker_serves_that_pool()
    {
        var reference = Pool["spec"]!["endpointPickerRef"]!;
        var service = Kubernetes.Single(Rendered, "Service");
        var port = Assert.Single(service["spec"]!["ports"].Items(), port => port["port"]?.GetValue<string>() == reference["port"]!["number"].Text("endpointPickerRef.port"));
        var containerPort = Assert.Single(PickerContainer["ports"].Items(), container => container["name"]?.GetValue<string>() == port["targetPort"].Text("targetPort"));

        Assert.Equal(service["metadata"]!["name"].Text("name"), reference["name"].Text("endpointPickerRef.name"));
        Assert.True(Kubernetes.Selects(service["spec"]!["selector"], Picker["spec"]!["template"]!["metadata"]!["labels"].Entries()
            .ToDictionary(label => label.Key, label => label.Value.Text(label.Key))));
        Assert.Equal("grpc", containerPort["name"].Text("name"));
        Assert.Equal(Pool["metadata"]!["name"].Text("name"), Argument("pool-name"));
    }

    [Fact]
    public void The_picker_reads_its_configuration_from_the_generated_config_map()
    {
        var path = Argument("config-file");
        var mount = Assert.Single(PickerContainer["volumeMounts"].Items(), mount => path.StartsWith(mount["mountPath"].Text("mountPath") + "/", StringComparison.Ordinal));
        var volume = Assert.Single(Picker["spec"]!["template"]!["spec"]!["volumes"].Items(), volume => volume["name"]?.GetValue<string>() == mount["name"]?.GetValue<string>());
        var configMap = Kubernetes.Single(Rendered, "ConfigMap");

        Assert.Equal(configMap["metadata"]!["name"].Text("name"), volume["configMap"]!["name"].Text("configMap.name"));
        Assert.Equal(Path.GetFileName(path), Assert.Single(configMap["data"].Entries()).Key);
    }

    [Fact]
    public void Completions_go_through_the_pool_and_every_other_route_to_the_service()
    {
        var route = Kubernetes.Single(Rendered, "HTTPRoute");
        var rules = route["spec"]!["rules"].Items().ToList();
        var throughPool = Assert.Single(rules, rule => rule["backendRefs"].Items().Any(backend => backend["kind"]?.GetValue<string>() == "InferencePool"));
        var rest = Assert.Single(rules, rule => rule != throughPool);
        var service = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Base), "Service");

        Assert.Equal(Pool["metadata"]!["name"].Text("name"), Assert.Single(throughPool["backendRefs"].Items())["name"].Text("backendRef name"));
        var poolPaths = throughPool["matches"].Items().Select(match => match["path"]!).ToList();
        Assert.All(poolPaths, path => Assert.Equal("Exact", path["type"].Text("path type")));
        Assert.Equal(ServerRoutes.CompletionRoutes.Order(StringComparer.Ordinal), poolPaths.Select(path => path["value"].Text("path")).Order(StringComparer.Ordinal));
        Assert.Equal("/", Assert.Single(rest["matches"].Items())["path"]!["value"].Text("path"));
        var backend = Assert.Single(rest["backendRefs"].Items());
        Assert.Equal(service["metadata"]!["name"].Text("name"), backend["name"].Text("name"));
        Assert.Equal(Assert.Single(service["spec"]!["ports"].Items())["port"].Text("port"), backend["port"].Text("port"));
    }
}
