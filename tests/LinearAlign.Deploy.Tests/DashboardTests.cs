using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LinearAlign.Deploy.Tests;

public sealed partial class DashboardTests
{
    public const string DashboardFile = "deploy/grafana/linearalign-dashboard.json";

    private static readonly JsonNode Dashboard = Repository.Json(DashboardFile);

    private static IEnumerable<JsonNode> Panels => Dashboard["panels"].Items().Where(panel => panel["type"]?.GetValue<string>() != "row");

    private static IEnumerable<string> PanelQueries => Panels.SelectMany(panel => panel["targets"].Items()).Select(target => target["expr"].Text("expr"));

    /// <summary>Every PromQL expression: panel queries and the template variables' label_values queries.</summary>
    private static IEnumerable<string> Queries =>
        PanelQueries.Concat(Dashboard["templating"]!["list"].Items()
            .Where(variable => variable["type"]?.GetValue<string>() == "query")
            .Select(variable => variable["definition"].Text("definition")));

    [Fact]
    public void The_dashboard_queries_only_metrics_the_server_exports()
    {
        var series = Queries.SelectMany(query => SeriesName().Matches(query).Select(match => match.Value)).Distinct().ToList();

        Assert.NotEmpty(series);
        Assert.All(series, name => Assert.True(Metrics.IsExportedSeries(name), $"{name} is not an exported metric."));
    }

    [Fact]
    public void Every_metric_family_is_on_the_dashboard_except_free_device_memory()
    {
        var queried = Queries.SelectMany(query => SeriesName().Matches(query).Select(match => match.Value)).ToHashSet();

        var missing = Metrics.Families.Keys
            .Where(family => !queried.Any(series => series == family || series.StartsWith(family + "_", StringComparison.Ordinal)))
            .ToList();

        // Free memory is total minus used, both of which are shown.
        Assert.Equal(["linearalign_device_memory_free_bytes"], missing);
    }

    [Fact]
    public void Quantiles_come_from_bucket_rates_kept_apart_by_le()
    {
        var quantiles = PanelQueries.Where(query => query.Contains("histogram_quantile", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(quantiles);
        Assert.All(quantiles, query => Assert.Matches(@"^histogram_quantile\(0\.\d+, sum by \(le(, \w+)*\) \(rate\(linearalign_\w+_bucket\{[^}]*\}\[\$__rate_interval\]\)\)\)$", query));
    }

    [Fact]
    public void Every_panel_queries_the_chosen_data_source()
    {
        var sources = Panels.Select(panel => panel["datasource"]?["uid"]?.GetValue<string>())
            .Concat(Panels.SelectMany(panel => panel["targets"].Items()).Select(target => target["datasource"]?["uid"]?.GetValue<string>()));

        // A variable rather than a fixed uid, so that the dashboard works imported into any Grafana.
        Assert.All(sources, uid => Assert.Equal("${datasource}", uid));
        Assert.Contains(Dashboard["templating"]!["list"].Items(), variable => variable["name"]?.GetValue<string>() == "datasource" && variable["query"]?.GetValue<string>() == "prometheus");
    }

    [Fact]
    public void Panel_ids_are_unique() =>
        Assert.Distinct(Dashboard["panels"].Items().Select(panel => panel["id"]!.GetValue<int>()));

    [GeneratedRegex(@"\blinearalign_[a-z0-9_]+")]
    private static partial Regex SeriesName();
}
