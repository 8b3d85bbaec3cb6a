using System.Globalization;
using System.Text;
using System.Xml;

namespace LinearAlign.Bench.Plot;

public sealed record ChartPoint(double X, double Y);

/// <param name="Reference">A level to read the other series against (e.g. a baseline): dashed, without point markers, as its points are not measurements.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, bool Reference = false);

public sealed record LineChart(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series);

/// <summary>
/// A line chart as a self-contained SVG 1.1 document, written with <see cref="XmlWriter"/> so every text is escaped.
/// The x axis has one evenly spaced tick per x value that occurs (concurrency 1, 2, 4, 8 lies evenly on a log scale
/// this way); the y axis starts at zero and ends at a round number above the highest point.
/// </summary>
/// <remarks>Not ScottPlot: it draws through SkiaSharp's native library and the machine's fonts to write what this writes as plain XML text.</remarks>
public static class SvgLineChart
{
    private const double Width = 760;
    private const double Height = 440;
    private const double Left = 80;
    private const double Right = 220;
    private const double Top = 56;
    private const double Bottom = 64;
    private const double PlotWidth = Width - Left - Right;
    private const double PlotHeight = Height - Top - Bottom;
    private const string Font = "font-family:sans-serif;font-size:13px";

    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    public static string Render(LineChart chart)
    {
        var xs = chart.Series.SelectMany(s => s.Points).Select(p => p.X).Distinct().Order().ToList();
        var (yTop, yStep) = YAxis(chart.Series.SelectMany(s => s.Points).Select(p => p.Y).DefaultIfEmpty(0).Max());
        double PixelX(double x) => xs.Count <= 1 ? Left + PlotWidth / 2 : Left + PlotWidth * xs.IndexOf(x) / (xs.Count - 1);
        double PixelY(double y) => Top + PlotHeight * (1 - y / yTop);

        var text = new StringBuilder();
        using (var svg = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            svg.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            svg.WriteAttributeString("version", "1.1");
            svg.WriteAttributeString("width", Number(Width));
            svg.WriteAttributeString("height", Number(Height));
            svg.WriteAttributeString("viewBox", $"0 0 {Number(Width)} {Number(Height)}");
            Rectangle(svg, 0, 0, Width, Height, "fill:#ffffff");
            Text(svg, Width / 2, 30, chart.Title, "middle", "font-family:sans-serif;font-size:17px;font-weight:bold");

            for (var tick = 0; tick <= (int)Math.Round(yTop / yStep); tick++)
            {
                var y = tick * yStep;
                Line(svg, Left, PixelY(y), Left + PlotWidth, PixelY(y), y == 0 ? "stroke:#000000" : "stroke:#dddddd");
                Text(svg, Left - 8, PixelY(y) + 4, Number(y), "end", Font);
            }
            Line(svg, Left, Top, Left, Top + PlotHeight, "stroke:#000000");
            foreach (var x in xs)
            {
                Line(svg, PixelX(x), Top + PlotHeight, PixelX(x), Top + PlotHeight + 5, "stroke:#000000");
                Text(svg, PixelX(x), Top + PlotHeight + 20, Number(x), "middle", Font);
            }
            Text(svg, Left + PlotWidth / 2, Height - 18, chart.XLabel, "middle", Font);
            svg.WriteStartElement("text");
            svg.WriteAttributeString("transform", $"translate(22,{Number(Top + PlotHeight / 2)}) rotate(-90)");
            svg.WriteAttributeString("text-anchor", "middle");
            svg.WriteAttributeString("style", Font);
            svg.WriteString(chart.YLabel);
            svg.WriteEndElement();

            for (var i = 0; i < chart.Series.Count; i++)
            {
                var series = chart.Series[i];
                var color = Colors[i % Colors.Length];
                var points = series.Points.OrderBy(p => p.X).ToList();
                var stroke = $"stroke:{color};stroke-width:2" + (series.Reference ? ";stroke-dasharray:6,4" : "");
                if (points.Count > 0)
                {
                    svg.WriteStartElement("polyline");
                    svg.WriteAttributeString("points", string.Join(' ', points.Select(p => $"{Number(PixelX(p.X))},{Number(PixelY(p.Y))}")));
                    svg.WriteAttributeString("style", "fill:none;" + stroke);
                    svg.WriteEndElement();
                }
                foreach (var point in series.Reference ? Enumerable.Empty<ChartPoint>() : points)
                {
                    svg.WriteStartElement("circle");
                    svg.WriteAttributeString("cx", Number(PixelX(point.X)));
                    svg.WriteAttributeString("cy", Number(PixelY(point.Y)));
                    svg.WriteAttributeString("r", "3.5");
                    svg.WriteAttributeString("style", $"fill:{color}");
                    svg.WriteElementString("title", $"{series.Name}: {Number(point.X)} → {Number(point.Y)}");
                    svg.WriteEndElement();
                }
                var legendY = Top + 10 + i * 22;
                Line(svg, Width - Right + 20, legendY, Width - Right + 48, legendY, stroke);
                Text(svg, Width - Right + 56, legendY + 4, series.Name, "start", Font);
            }
            svg.WriteEndElement();
        }
        return text.ToString();
    }

    /// <summary>The top of the y axis and its tick step: 1, 2, 2.5 or 5 times a power of ten, about five ticks.</summary>
    public static (double Top, double Step) YAxis(double maximum)
    {
        if (maximum <= 0)
        {
            return (1, 0.2);
        }
        var rough = maximum / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * power).First(s => s >= rough);
        return (Math.Ceiling(maximum / step) * step, step);
    }

    private static string Number(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static void Rectangle(XmlWriter svg, double x, double y, double width, double height, string style) =>
        Shape(svg, "rect", style, ("x", x), ("y", y), ("width", width), ("height", height));

    private static void Line(XmlWriter svg, double x1, double y1, double x2, double y2, string style) =>
        Shape(svg, "line", style, ("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2));

    private static void Shape(XmlWriter svg, string element, string style, params (string Name, double Value)[] geometry)
    {
        svg.WriteStartElement(element);
        foreach (var (name, value) in geometry)
        {
            svg.WriteAttributeString(name, Number(value));
        }
        svg.WriteAttributeString("style", style);
        svg.WriteEndElement();
    }

    private static void Text(XmlWriter svg, double x, double y, string content, string anchor, string style)
    {
        svg.WriteStartElement("text");
        svg.WriteAttributeString("x", Number(x));
        svg.WriteAttributeString("y", Number(y));
        svg.WriteAttributeString("text-anchor", anchor);
        svg.WriteAttributeString("style", style);
        svg.WriteString(content);
        svg.WriteEndElement();
    }
}
