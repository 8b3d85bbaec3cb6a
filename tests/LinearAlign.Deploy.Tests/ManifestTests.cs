namespace LinearAlign.Deploy.Tests;

public sealed class ManifestTests
{
    public static TheoryData<string> YamlFiles => [.. Repository.YamlFilesUnder("docker", "deploy")];

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_YAML_file_parses_into_documents_that_are_not_empty(string path)
    {
        var documents = Repository.YamlDocuments(path);

        Assert.NotEmpty(documents);
        Assert.All(documents, Assert.NotNull);
    }

    [Theory]
    [InlineData(ServerRoutes.Liveness)]
    [InlineData(ServerRoutes.Readiness)]
    public void Every_health_route_the_deployments_probe_is_a_route_the_server_serves(string route) =>
        Assert.Contains(route, ServerRoutes.HealthRoutes);
}
