using System.Globalization;
using System.Text;

namespace LinearAlign.Server.Metrics;

/// <summary>The Prometheus text exposition format, version 0.0.4: names, escaping and number syntax.</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string CounterName(string name) => name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";

    /// <summary>HELP text escapes backslash and line feed.</summary>
    public static string EscapeHelp(string help) => help.Replace("\\", @"\\").Replace("\n", @"\n");

    /// <summary>Label values also escape the double quote.</summary>
    public static string EscapeLabelValue(string value) => value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>One sample line; <paramref name="le"/> adds a histogram bucket's upper bound as the last label.</summary>
    public static void WriteSample(TextWriter output, string name, string[] names, string[] values, string? le, double value)
    {
        var line = new StringBuilder(name);
        if (names.Length > 0 || le is not null)
        {
            line.Append('{');
            for (var i = 0; i < names.Length; i++)
            {
                line.Append(i == 0 ? "" : ",").Append(names[i]).Append("=\"").Append(EscapeLabelValue(values[i])).Append('"');
            }
            if (le is not null)
            {
                line.Append(names.Length == 0 ? "" : ",").Append("le=\"").Append(le).Append('"');
            }
            line.Append('}');
        }
        line.Append(' ').Append(Number(value)).Append('\n');
        output.Write(line);
    }
}
