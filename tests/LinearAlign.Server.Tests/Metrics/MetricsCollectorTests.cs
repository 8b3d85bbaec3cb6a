using System.Diagnostics.Metrics;
using System.Text;
using LinearAlign.Server.Metrics;
using Prometheus;

namespace LinearAlign.Server.Tests.Metrics;

/// <summary>The exporter on a meter of the test's own, where names, labels and values are chosen to be awkward.</summary>
public sealed class MetricsCollectorTests : IDisposable
{
    private readonly Meter _meter = new($"test-{Guid.NewGuid():N}");
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly MetricsCollector _collector;

    public MetricsCollectorTests()
    {
        _collector = new MetricsCollector(_registry);
        _collector.Listen(_meter);
    }

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    private IReadOnlyDictionary<string, Family> Scrape()
    {
        using var text = new MemoryStream();
        _registry.CollectAndExportAsTextAsync(text).GetAwaiter().GetResult();
        return PrometheusExposition.Parse(Encoding.UTF8.GetString(text.ToArray()));
    }

    [Fact]
    public void Label_values_and_help_text_are_escaped_and_read_back_unchanged()
    {
        const string awkward = "a \"quoted\" back\\slash and a\nline feed";
        _meter.CreateCounter<long>("test_events", description: "Help with a back\\slash and a\nline feed.").Add(3, new KeyValuePair<string, object?>("model", awkward));

        var family = Scrape()["test_events_total"];

        Assert.Equal("Help with a back\\slash and a\nline feed.", family.Help);
        Assert.Equal(awkward, Assert.Single(family.Samples).Labels["model"]);
    }

    [Fact]
    public void A_counter_sums_per_label_set_whatever_the_tag_order()
    {
        var counter = _meter.CreateCounter<long>("test_tokens");
        counter.Add(2, new("a", "1"), new("b", "2"));
        counter.Add(5, new("b", "2"), new("a", "1"));
        counter.Add(7, new("a", "other"), new("b", "2"));

        var samples = Scrape()["test_tokens_total"].Samples;

        Assert.Equal(7, samples.Single(s => s.Labels["a"] == "1").Value);
        Assert.Equal(7, samples.Single(s => s.Labels["a"] == "other").Value);
    }

    [Fact]
    public void A_histogram_is_cumulative_over_its_advised_buckets_with_sum_and_count()
    {
        var histogram = _meter.CreateHistogram("test_latency_seconds", "s", "Latency.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        foreach (var value in new[] { 0.05, 0.1, 0.5, 5, 50 })
        {
            histogram.Record(value);
        }

        var samples = Scrape()["test_latency_seconds"].Samples;

        Assert.Equal([2, 3, 4, 5], samples.Where(s => s.Name == "test_latency_seconds_bucket").Select(s => s.Value));
        Assert.Equal(["0.1", "1", "10", "+Inf"], samples.Where(s => s.Name == "test_latency_seconds_bucket").Select(s => s.Labels["le"]));
        Assert.Equal(55.65, samples.Single(s => s.Name == "test_latency_seconds_sum").Value, 9);
        Assert.Equal(5, samples.Single(s => s.Name == "test_latency_seconds_count").Value);
    }

    [Fact]
    public void A_gauge_reports_only_what_its_callback_returns_now()
    {
        var devices = new List<string> { "GPU0", "GPU1" };
        _meter.CreateObservableGauge("test_free_bytes", () => devices.Select(d => new Measurement<long>(1, new KeyValuePair<string, object?>("device", d))));

        var first = Scrape()["test_free_bytes"].Samples.Count;
        devices.RemoveAt(1);
        var second = Scrape()["test_free_bytes"].Samples.Count;

        Assert.Equal((2, 1), (first, second));
    }

    [Fact]
    public void Measurements_recorded_before_the_first_scrape_are_all_exported()
    {
        var counter = _meter.CreateCounter<long>("test_early_events");
        var histogram = _meter.CreateHistogram<double>("test_early_seconds");
        counter.Add(4);
        histogram.Record(0.2);

        var families = Scrape();

        Assert.Equal(4, Assert.Single(families["test_early_events_total"].Samples).Value);
        Assert.Equal(1, families["test_early_seconds"].Samples.Single(s => s.Name == "test_early_seconds_count").Value);
    }

    [Fact]
    public void The_strict_parser_refuses_what_the_format_forbids()
    {
        Assert.Throws<FormatException>(() => PrometheusExposition.Parse("x_total 1\n"));
        Assert.Throws<FormatException>(() => PrometheusExposition.Parse("# TYPE x_total counter\nx_total{a=\"\\q\"} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusExposition.Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
        Assert.Throws<FormatException>(() => PrometheusExposition.Parse("# TYPE x counter\nx 1\n"));
        Assert.Throws<FormatException>(() => PrometheusExposition.Parse("# TYPE x_total counter\nx_total 1\nx_total 2\n"));
    }
}
