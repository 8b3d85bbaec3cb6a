namespace LinearAlign.Deploy.Tests;

public sealed class ComposeTests
{
    private static readonly string Server = Compose.ServiceBuiltFrom("docker/Dockerfile");

    /// <summary>What the server container sees: the image's ENV, overridden by the compose file's environment.</summary>
    private static readonly IReadOnlyDictionary<string, string> ServerEnvironment =
        Dockerfile.Load("docker/Dockerfile").Runtime.Environment
            .Concat(Compose.Environment(Server))
            .GroupBy(variable => variable.Key)
            .ToDictionary(variable => variable.Key, variable => variable.Last().Value);

    [Fact]
    public void Every_bind_mount_source_exists()
    {
        var mounts = Compose.ServiceNames.SelectMany(Compose.Volumes).Where(volume => volume.IsBindMount).ToList();

        Assert.NotEmpty(mounts);
        Assert.All(mounts, mount => Assert.True(
            File.Exists(Repository.PathOf(mount.RepositoryPath)) || Directory.Exists(Repository.PathOf(mount.RepositoryPath)),
            $"{mount.Source} ({mount.RepositoryPath}) does not exist."));
    }

    [Fact]
    public void The_server_publishes_the_port_it_listens_on() =>
        Assert.Contains(Kestrel.Port(ServerEnvironment), Compose.ContainerPorts(Server));

    [Fact]
    public void Every_server_environment_variable_is_a_server_setting_or_a_runtime_variable() =>
        Assert.All(Compose.Environment(Server).Keys, variable => Assert.Null(ServerSettings.WhyNotASetting(variable)));

    [Fact]
    public void The_server_configuration_passes_the_servers_validation() =>
        Assert.Empty(ServerSettings.ValidationFailures(ServerEnvironment));

    [Fact]
    public void The_model_cache_directory_is_a_volume()
    {
        var cache = ServerSettings.Model(ServerEnvironment).CacheDirectory;

        Assert.Contains(Compose.Volumes(Server), volume => volume.Target == cache && !volume.IsBindMount);
    }

    [Fact]
    public void Stopping_waits_for_the_drain_and_the_engine_release()
    {
        var shutdown = ServerSettings.Server(ServerEnvironment).ShutdownTimeout;

        // The host gives hosted services ShutdownTimeout + 10 s (Program.cs); Docker kills the container at the grace period.
        Assert.True(Compose.Duration(Compose.Service(Server)["stop_grace_period"].Text("stop_grace_period")) > shutdown + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Prometheus_scrapes_the_metrics_route_on_the_servers_port()
    {
        var prometheus = Compose.ServiceOfImage("prom/prometheus");
        var config = Assert.Single(Compose.Volumes(prometheus), volume => volume.Target == "/etc/prometheus/prometheus.yml");
        var jobs = Repository.Yaml(config.RepositoryPath)["scrape_configs"].Items().ToList();

        Assert.Contains(jobs, job =>
            job["metrics_path"]?.GetValue<string>() == ServerRoutes.Metrics
            && job["static_configs"].Items().Any(targets => targets["targets"].Items().Any(target =>
                target.GetValue<string>() == $"{Server}:{Kestrel.Port(ServerEnvironment)}")));
    }

    [Fact]
    public void Grafana_reads_from_the_prometheus_service()
    {
        var prometheus = Compose.ServiceOfImage("prom/prometheus");
        var datasources = ProvisioningFiles("datasources").SelectMany(file => Repository.Yaml(file)["datasources"].Items());

        var url = new Uri(Assert.Single(datasources, source => source["type"]?.GetValue<string>() == "prometheus")["url"].Text("url"));

        Assert.Equal(prometheus, url.Host);
        Assert.Contains(url.Port, Compose.ContainerPorts(prometheus));
    }

    [Fact]
    public void Grafana_provisions_the_dashboard_kept_in_deploy_grafana()
    {
        var grafana = Compose.ServiceOfImage("grafana/grafana");
        var folders = ProvisioningFiles("dashboards").SelectMany(file => Repository.Yaml(file)["providers"].Items())
            .Select(provider => provider["options"]?["path"].Text("providers.options.path"))
            .ToList();

        var dashboards = Compose.Volumes(grafana).Where(volume => folders.Contains(Path.GetDirectoryName(volume.Target))).ToList();

        Assert.Equal(DashboardTests.DashboardFile, Assert.Single(dashboards).RepositoryPath);
        Assert.True(File.Exists(Repository.PathOf(DashboardTests.DashboardFile)));
    }

    [Fact]
    public void Grafanas_home_dashboard_is_the_provisioned_dashboard()
    {
        var grafana = Compose.ServiceOfImage("grafana/grafana");

        var home = Compose.Environment(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"];

        Assert.Equal(DashboardTests.DashboardFile, Assert.Single(Compose.Volumes(grafana), volume => volume.Target == home).RepositoryPath);
    }

    /// <summary>The provisioning files of one kind that compose mounts into Grafana's provisioning folder.</summary>
    private static IEnumerable<string> ProvisioningFiles(string kind)
    {
        var provisioning = Assert.Single(Compose.Volumes(Compose.ServiceOfImage("grafana/grafana")), volume => volume.Target == "/etc/grafana/provisioning");
        return Repository.YamlFilesUnder($"{provisioning.RepositoryPath}/{kind}");
    }
}
