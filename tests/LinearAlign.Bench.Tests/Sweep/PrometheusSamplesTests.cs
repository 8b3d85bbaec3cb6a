using LinearAlign.Bench.Sweep;

namespace LinearAlign.Bench.Tests.Sweep;

public sealed class PrometheusSamplesTests
{
    private const string Exposition = """
        # HELP linearalign_device_memory_used_bytes Backend device memory in use (total minus free).
        # TYPE linearalign_device_memory_used_bytes gauge
        linearalign_device_memory_used_bytes{device="CUDA0"} 1000
        linearalign_device_memory_used_bytes{device="CUDA1"} 234
        # HELP linearalign_device_memory_used_bytes_peak not a series of the metric above
        linearalign_device_memory_used_bytes_peak{device="CUDA0"} 99999
        linearalign_device_memory_free_bytes{device="CUDA0"} 5000
        # TYPE linearalign_kv_cells_used gauge
        linearalign_kv_cells_used 96 1700000000000

        """;

    [Fact]
    public void A_metric_is_summed_over_its_series_and_comments_and_other_metrics_are_passed_by()
    {
        Assert.Equal(1234, PrometheusSamples.Sum(Exposition, "linearalign_device_memory_used_bytes"));
    }

    [Fact]
    public void A_metric_the_text_lacks_is_null()
    {
        Assert.Null(PrometheusSamples.Sum(Exposition, "linearalign_kv_cells_total"));
    }

    [Fact]
    public void A_sample_without_labels_gives_its_value_and_not_its_timestamp()
    {
        Assert.Equal(96, PrometheusSamples.Sum(Exposition, "linearalign_kv_cells_used"));
    }

    [Fact]
    public void Comments_alone_do_not_make_a_metric_present()
    {
        Assert.Null(PrometheusSamples.Sum("# HELP linearalign_kv_cells_used 5\n# TYPE linearalign_kv_cells_used gauge\n", "linearalign_kv_cells_used"));
    }

    [Fact]
    public void Series_can_be_selected_by_their_labels()
    {
        var sum = PrometheusSamples.Sum(Exposition, "linearalign_device_memory_used_bytes", labels => labels["device"] != "CUDA1");

        Assert.Equal(1000, sum);
    }

    [Fact]
    public void Label_values_may_hold_braces_commas_spaces_and_escaped_quotes()
    {
        const string text = "linearalign_kv_cells_used{model=\"a} \\\"b\\\", c\",device=\"x\"} 7\n";

        var labels = new List<IReadOnlyDictionary<string, string>>();
        var sum = PrometheusSamples.Sum(text, "linearalign_kv_cells_used", l =>
        {
            labels.Add(l);
            return true;
        });

        Assert.Equal(7, sum);
        Assert.Equal("a} \"b\", c", Assert.Single(labels)["model"]);
        Assert.Equal("x", labels[0]["device"]);
    }

    [Fact]
    public void Windows_line_ends_are_read_as_well()
    {
        Assert.Equal(3, PrometheusSamples.Sum("linearalign_kv_cells_used 1\r\nlinearalign_kv_cells_used{a=\"b\"} 2\r\n", "linearalign_kv_cells_used"));
    }

    [Fact]
    public void A_sample_of_the_metric_without_a_value_is_an_error()
    {
        Assert.Throws<FormatException>(() => PrometheusSamples.Sum("linearalign_kv_cells_used{model=\"a\"} many\n", "linearalign_kv_cells_used"));
        Assert.Throws<FormatException>(() => PrometheusSamples.Sum("linearalign_kv_cells_used{model=\"a 1\n", "linearalign_kv_cells_used"));
    }
}
