namespace LinearAlign.Deploy.Tests;

/// <summary>The metric list the deployment files are checked against is the one the server defines.</summary>
public sealed class MetricContractTests
{
    [Fact]
    public void Every_metric_the_deployment_relies_on_is_an_instrument_the_server_creates()
    {
        var source = string.Concat(Directory.EnumerateFiles(Repository.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(File.ReadAllText));

        foreach (var (name, type) in Metrics.Families)
        {
            // The exporter appends _total to counters, whose instruments carry the name without it.
            var instrument = type == MetricType.Counter ? name[..^"_total".Length] : name;
            Assert.True(source.Contains($"\"{instrument}\"", StringComparison.Ordinal), $"No instrument named {instrument} in src/.");
        }
    }
}
