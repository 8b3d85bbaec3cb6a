using System.Text.Json.Nodes;
using LinearAlign.Engine.Options;

namespace LinearAlign.Deploy.Tests;

public sealed class KubernetesTests
{
    private static readonly JsonNode Container = Kubernetes.Container;

    private static readonly IReadOnlyDictionary<string, string> Environment = Kubernetes.LiteralEnvironment(Container);

    private static readonly IReadOnlyDictionary<string, string> GpuEnvironment = Kubernetes.LiteralEnvironment(Container, Kubernetes.GpuContainerPatch);

    public static TheoryData<string> Kustomizations =>
        [.. Directory.EnumerateFiles(Repository.PathOf("deploy/k8s"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, Path.GetDirectoryName(path)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_resource_and_patch_a_kustomization_names_exists(string folder)
    {
        var kustomization = Kubernetes.Kustomization(folder);
        var paths = kustomization["resources"].Items().Select(resource => resource.Text("resource"))
            .Concat(kustomization["patches"].Items().Select(patch => patch["path"].Text("patch path")))
            .ToList();

        Assert.NotEmpty(paths);
        Assert.All(paths, path => Assert.True(
            File.Exists(Repository.PathOf($"{folder}/{path}")) || File.Exists(Repository.PathOf($"{folder}/{path}/kustomization.yaml")),
            $"{folder}/kustomization.yaml names {path}, which is neither a file nor a kustomization."));
    }

    [Fact]
    public void The_container_port_is_the_port_the_server_listens_on() =>
        Assert.Equal(Kestrel.Port(Environment), Kubernetes.ContainerPort("http"));

    [Theory]
    [InlineData("livenessProbe", ServerRoutes.Liveness)]
    [InlineData("readinessProbe", ServerRoutes.Readiness)]
    [InlineData("startupProbe", ServerRoutes.Readiness)]
    public void Each_probe_asks_its_health_route_on_the_container_port(string probe, string route)
    {
        var get = Container[probe]?["httpGet"] ?? throw new InvalidDataException($"No {probe}.httpGet.");

        Assert.Equal(route, get["path"].Text("path"));
        Assert.Equal(Kestrel.Port(Environment), Kubernetes.ContainerPort(get["port"].Text("port")));
    }

    [Fact]
    public void The_startup_probe_allows_ten_minutes_for_a_model_download_and_load()
    {
        var probe = Container["startupProbe"]!;

        var patience = int.Parse(probe["periodSeconds"].Text("periodSeconds")) * int.Parse(probe["failureThreshold"].Text("failureThreshold"));

        Assert.True(patience >= 600, $"The startup probe gives up after {patience} s.");
    }

    [Fact]
    public void The_service_forwards_to_the_container_port_of_the_pods_it_selects()
    {
        var service = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Base), "Service");

        var port = Assert.Single(service["spec"]!["ports"].Items());

        Assert.Equal(Kestrel.Port(Environment), Kubernetes.ContainerPort(port["targetPort"].Text("targetPort")));
        Assert.True(Kubernetes.Selects(service["spec"]!["selector"], Kubernetes.PodLabels));
    }

    [Fact]
    public void The_disruption_budget_covers_the_server_pods()
    {
        var budget = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Base), "PodDisruptionBudget");

        Assert.True(Kubernetes.Selects(budget["spec"]!["selector"]!["matchLabels"], Kubernetes.PodLabels));
    }

    [Fact]
    public void Every_environment_variable_is_a_server_setting_or_a_runtime_variable() =>
        Assert.All(Kubernetes.EnvironmentNames(Container).Concat(Kubernetes.EnvironmentNames(Kubernetes.GpuContainerPatch)),
            variable => Assert.Null(ServerSettings.WhyNotASetting(variable)));

    [Fact]
    public void The_configuration_passes_the_servers_validation() =>
        Assert.Empty(ServerSettings.ValidationFailures(Environment));

    [Fact]
    public void The_GPU_configuration_passes_the_servers_validation() =>
        Assert.Empty(ServerSettings.ValidationFailures(GpuEnvironment));

    [Fact]
    public void Termination_waits_for_the_preStop_pause_the_drain_and_the_engine_release()
    {
        var preStop = Container["lifecycle"]!["preStop"]!["exec"]!["command"].Items().Select(word => word.Text("command")).ToArray();
        Assert.Equal("sleep", preStop[0]);
        var pause = TimeSpan.FromSeconds(int.Parse(preStop[1]));
        var shutdown = ServerSettings.Server(Environment).ShutdownTimeout;

        var grace = TimeSpan.FromSeconds(int.Parse(Kubernetes.PodSpec["terminationGracePeriodSeconds"].Text("terminationGracePeriodSeconds")));

        // The host gives hosted services ShutdownTimeout + 10 s (Program.cs); the kubelet kills the container at the grace period.
        Assert.True(grace > pause + shutdown + TimeSpan.FromSeconds(10), $"Grace {grace} does not outlast preStop {pause} + drain {shutdown} + 10 s.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_CPU_limit_is_whole_cores_and_requested_in_full(bool gpu)
    {
        var resources = gpu ? Kubernetes.GpuContainerPatch["resources"]! : Container["resources"]!;

        var limit = Kubernetes.Cores(resources["limits"]!["cpu"].Text("limits.cpu"));

        // A fractional limit is rounded up into Model__Threads, which would then oversubscribe the quota.
        Assert.Equal(decimal.Truncate(limit), limit);
        Assert.Equal(limit, Kubernetes.Cores(resources["requests"]!["cpu"].Text("requests.cpu")));
    }

    [Fact]
    public void Model_threads_are_the_containers_CPU_limit()
    {
        var threads = Kubernetes.Variable(Container, "Model__Threads")["valueFrom"]?["resourceFieldRef"]
            ?? throw new InvalidDataException("Model__Threads should come from the CPU limit, so that the two cannot drift apart.");

        Assert.Equal("limits.cpu", threads["resource"].Text("resource"));
        Assert.Equal(Container["name"].Text("name"), threads["containerName"].Text("containerName"));
        Assert.Equal(1m, Kubernetes.Cores(threads["divisor"].Text("divisor")));
    }

    [Fact]
    public void The_pod_runs_as_the_images_user_and_can_write_the_model_volume()
    {
        var security = Kubernetes.PodSpec["securityContext"]!;
        var users = new[] { "docker/Dockerfile", "docker/Dockerfile.cuda" }.Select(path => Dockerfile.Load(path).Runtime.Single("USER").Arguments).Distinct();

        var user = Assert.Single(users);

        Assert.Equal("true", security["runAsNonRoot"].Text("runAsNonRoot"));
        Assert.Equal(user, security["runAsUser"].Text("runAsUser"));
        Assert.Equal(user, security["fsGroup"].Text("fsGroup"));
    }

    [Fact]
    public void The_model_cache_directory_is_the_claimed_volume()
    {
        var cache = ServerSettings.Model(Environment).CacheDirectory;
        var mount = Assert.Single(Container["volumeMounts"].Items(), mount => mount["mountPath"]?.GetValue<string>() == cache);
        var volume = Assert.Single(Kubernetes.PodSpec["volumes"].Items(), volume => volume["name"]?.GetValue<string>() == mount["name"]?.GetValue<string>());
        var claim = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Base), "PersistentVolumeClaim");

        Assert.Equal(claim["metadata"]!["name"].Text("name"), volume["persistentVolumeClaim"]?["claimName"].Text("claimName"));
    }

    [Fact]
    public void The_GPU_overlay_asks_for_a_GPU_insists_on_CUDA_and_offloads_every_layer()
    {
        var patch = Kubernetes.GpuContainerPatch;

        Assert.Equal(Container["name"].Text("name"), patch["name"].Text("name"));
        Assert.Equal("1", patch["resources"]!["limits"]!["nvidia.com/gpu"].Text("nvidia.com/gpu limit"));
        Assert.Equal(ComputeBackend.Cuda, ServerSettings.Model(GpuEnvironment).Backend);
        Assert.Equal(-1, ServerSettings.Model(GpuEnvironment).GpuLayers);
    }

    [Fact]
    public void The_kustomizations_deploy_the_images_the_Dockerfiles_build()
    {
        var repository = Kubernetes.Container["image"].Text("image");
        string Tag(string folder) => Assert.Single(Kubernetes.Kustomization(folder)["images"].Items(), image => image["name"]?.GetValue<string>() == repository)["newTag"].Text("newTag");
        var composeImage = Compose.Service(Compose.ServiceBuiltFrom("docker/Dockerfile"))["image"].Text("image");

        Assert.Equal(composeImage, $"{repository}:{Tag("deploy/k8s")}");
        Assert.Equal("cuda", Tag(Kubernetes.GpuOverlay));
    }

    [Fact]
    public void The_autoscaler_scales_the_server_deployment()
    {
        var autoscaler = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Base), "HorizontalPodAutoscaler");

        var target = autoscaler["spec"]!["scaleTargetRef"]!;

        Assert.Equal(("Deployment", Kubernetes.Deployment["metadata"]!["name"].Text("name")), (target["kind"].Text("kind"), target["name"].Text("name")));
    }

    [Fact]
    public void The_queued_requests_autoscaler_example_scales_the_deployment_on_an_exported_metric()
    {
        var autoscaler = Kubernetes.Single(Repository.YamlDocuments("deploy/k8s/examples/hpa-queued-requests.yaml").OfType<JsonNode>(), "HorizontalPodAutoscaler");

        var metrics = autoscaler["spec"]!["metrics"].Items().Select(metric => metric["pods"]!["metric"]!["name"].Text("metric name")).ToList();

        Assert.NotEmpty(metrics);
        Assert.All(metrics, metric => Assert.True(Metrics.IsExportedSeries(metric), $"{metric} is not an exported metric."));
        Assert.Equal(Kubernetes.Deployment["metadata"]!["name"].Text("name"), autoscaler["spec"]!["scaleTargetRef"]!["name"].Text("name"));
    }

    [Fact]
    public void The_prometheus_adapter_rule_serves_the_metric_the_example_autoscaler_asks_for()
    {
        var rule = Assert.Single(Repository.Yaml("deploy/k8s/examples/prometheus-adapter-values.yaml")["rules"]!["custom"].Items());
        var autoscaler = Kubernetes.Single(Repository.YamlDocuments("deploy/k8s/examples/hpa-queued-requests.yaml").OfType<JsonNode>(), "HorizontalPodAutoscaler");
        var asked = Assert.Single(autoscaler["spec"]!["metrics"].Items())["pods"]!["metric"]!["name"].Text("metric name");

        var series = rule["seriesQuery"].Text("seriesQuery").Split('{')[0];

        Assert.True(Metrics.IsExportedSeries(series), $"{series} is not an exported metric.");
        Assert.Equal(asked, rule["name"]!["as"].Text("name.as"));
    }

    [Fact]
    public void The_service_monitor_scrapes_the_metrics_route_on_a_port_of_the_service()
    {
        var monitor = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Monitoring), "ServiceMonitor");
        var service = Kubernetes.Single(Kubernetes.Resources(Kubernetes.Base), "Service");
        var servicePorts = service["spec"]!["ports"].Items().Select(port => port["name"]?.GetValue<string>()).ToList();
        var serviceLabels = service["metadata"]!["labels"].Entries().ToDictionary(label => label.Key, label => label.Value.Text(label.Key));

        var endpoint = Assert.Single(monitor["spec"]!["endpoints"].Items());

        Assert.Equal(ServerRoutes.Metrics, endpoint["path"].Text("path"));
        Assert.Contains(endpoint["port"].Text("port"), servicePorts);
        Assert.True(Kubernetes.Selects(monitor["spec"]!["selector"]!["matchLabels"], serviceLabels));
    }

    [Fact]
    public void The_scrape_annotations_name_the_metrics_route_on_the_container_port()
    {
        var annotations = Kubernetes.Deployment["spec"]!["template"]!["metadata"]!["annotations"]!;

        Assert.Equal(ServerRoutes.Metrics, annotations["prometheus.io/path"].Text("prometheus.io/path"));
        Assert.Equal(Kestrel.Port(Environment).ToString(), annotations["prometheus.io/port"].Text("prometheus.io/port"));
    }
}
