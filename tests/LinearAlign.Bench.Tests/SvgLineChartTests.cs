using System.Xml.Linq;
using LinearAlign.Bench.Plot;

namespace LinearAlign.Bench.Tests;

public sealed class SvgLineChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly LineChart Chart = new("Tokens/s <vs> concurrency", "concurrent streams", "tokens/s",
    [
        new ChartSeries("ours plain", [new(1, 150), new(2, 260), new(4, 410), new(8, 520)]),
        new ChartSeries("ours \"aligned\" & <more>", [new(1, 140), new(2, 240)]),
        new ChartSeries("llama-server plain", [new(1, 155), new(4, 170)]),
    ]);

    [Fact]
    public void The_chart_is_well_formed_svg_1_1_with_one_polyline_per_series()
    {
        var document = XDocument.Parse(SvgLineChart.Render(Chart));

        Assert.Equal(Svg + "svg", document.Root!.Name);
        Assert.Equal("1.1", document.Root.Attribute("version")!.Value);
        var polylines = document.Descendants(Svg + "polyline").ToList();
        Assert.Equal(3, polylines.Count);
        Assert.Equal([4, 2, 2], polylines.Select(p => p.Attribute("points")!.Value.Split(' ').Length));
        Assert.Equal(8, document.Descendants(Svg + "circle").Count());
    }

    [Fact]
    public void Title_axis_labels_and_legend_names_are_escaped_text()
    {
        var raw = SvgLineChart.Render(Chart);
        var texts = XDocument.Parse(raw).Descendants(Svg + "text").Select(t => t.Value).ToList();

        Assert.Contains("Tokens/s <vs> concurrency", texts);
        Assert.Contains("concurrent streams", texts);
        Assert.Contains("tokens/s", texts);
        Assert.Contains("ours \"aligned\" & <more>", texts);
        Assert.Contains("&lt;more&gt;", raw);
        Assert.DoesNotContain("<more>", raw);
    }

    [Fact]
    public void The_x_axis_has_a_tick_per_concurrency_and_the_y_axis_round_ticks_from_zero()
    {
        var texts = XDocument.Parse(SvgLineChart.Render(Chart)).Descendants(Svg + "text").Select(t => t.Value).ToList();

        Assert.Contains("8", texts);
        Assert.Contains("0", texts);
        Assert.Contains("600", texts);
        Assert.DoesNotContain("3", texts);
    }

    [Theory]
    [InlineData(520, 600, 200)]
    [InlineData(9.3, 10, 2)]
    [InlineData(1234, 1250, 250)]
    [InlineData(0, 1, 0.2)]
    public void The_y_axis_ends_at_a_round_number_above_the_highest_point(double maximum, double top, double step) =>
        Assert.Equal((top, step), SvgLineChart.YAxis(maximum));

    [Fact]
    public void A_reference_series_is_dashed_and_has_no_point_markers()
    {
        var chart = new LineChart("levels", "x", "y", [new ChartSeries("measured", [new(1, 2), new(2, 3)]), new ChartSeries("base", [new(1, 1), new(2, 1)], Reference: true)]);

        var document = XDocument.Parse(SvgLineChart.Render(chart));

        var styles = document.Descendants(Svg + "polyline").Select(p => p.Attribute("style")!.Value).ToList();
        Assert.Equal([false, true], styles.Select(s => s.Contains("stroke-dasharray", StringComparison.Ordinal)));
        Assert.Equal(2, document.Descendants(Svg + "circle").Count());
    }

    [Fact]
    public void A_chart_without_points_is_still_a_document()
    {
        var document = XDocument.Parse(SvgLineChart.Render(new LineChart("empty", "x", "y", [new ChartSeries("none", [])])));

        Assert.Empty(document.Descendants(Svg + "polyline"));
        Assert.Contains("none", document.Descendants(Svg + "text").Select(t => t.Value));
    }
}
