using System.Globalization;
using System.Text;

namespace LinearAlign.Bench.Sweep;

/// <summary>
/// Sample values read out of Prometheus text exposition, no further than the sweep needs: a sample line is a metric
/// name, its labels in braces or none, and a value (then perhaps a timestamp); comments and other metrics are passed by.
/// </summary>
public static class PrometheusSamples
{
    /// <summary>
    /// The sum of <paramref name="metric"/>'s samples over its series (label sets), those that <paramref name="series"/>
    /// selects where given; null when the text has none of them.
    /// </summary>
    public static double? Sum(string exposition, string metric, Func<IReadOnlyDictionary<string, string>, bool>? series = null)
    {
        double? sum = null;
        foreach (var line in exposition.Split('\n'))
        {
            if (SampleOf(line.TrimEnd('\r'), metric) is { } sample && (series is null || series(sample.Labels)))
            {
                sum = (sum ?? 0) + sample.Value;
            }
        }
        return sum;
    }

    private static (Dictionary<string, string> Labels, double Value)? SampleOf(string line, string metric)
    {
        if (!line.StartsWith(metric, StringComparison.Ordinal))
        {
            return null;
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = metric.Length;
        if (position < line.Length && line[position] == '{')
        {
            position = ReadLabels(line, position + 1, labels);
        }
        // Anything else after the name makes it a longer name (linearalign_kv_cells_used_total is not linearalign_kv_cells_used).
        if (position >= line.Length || !char.IsWhiteSpace(line[position]))
        {
            return null;
        }
        var value = line[position..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? (labels, number)
            : throw new FormatException($"/metrics: no value in '{line}'.");
    }

    /// <summary>Reads name="value" pairs from just after the opening brace; gives the position after the closing one.</summary>
    private static int ReadLabels(string line, int position, Dictionary<string, string> labels)
    {
        while (position < line.Length && line[position] != '}')
        {
            var equals = line.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                throw new FormatException($"/metrics: a label is not name=\"value\" in '{line}'.");
            }
            var name = line[position..equals].Trim();
            var value = new StringBuilder();
            // A label value may hold braces and commas; only its quotes, backslashes and line feeds are escaped.
            for (position = equals + 2; position < line.Length && line[position] != '"'; position++)
            {
                if (line[position] == '\\' && position + 1 < line.Length)
                {
                    position++;
                    value.Append(line[position] == 'n' ? '\n' : line[position]);
                }
                else
                {
                    value.Append(line[position]);
                }
            }
            if (position >= line.Length)
            {
                break;
            }
            labels[name] = value.ToString();
            position++;
            if (position < line.Length && line[position] == ',')
            {
                position++;
            }
        }
        return position < line.Length ? position + 1 : throw new FormatException($"/metrics: unterminated labels in '{line}'.");
    }
}
