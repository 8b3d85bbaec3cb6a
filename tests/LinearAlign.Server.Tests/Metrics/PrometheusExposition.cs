using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LinearAlign.Server.Tests.Metrics;

public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

public sealed record Family(string Name, string Type, string Help, IReadOnlyList<Sample> Samples);

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4: it throws on anything the format does not allow
/// (bad names, bad escapes, samples before their TYPE, duplicate series, a histogram that is not cumulative, a
/// counter not named _total) rather than skipping it, so a test that parses the output has checked all of it.
/// </summary>
public static partial class PrometheusExposition
{
    public static IReadOnlyDictionary<string, Family> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition must end with a line feed.");
        }
        var types = new Dictionary<string, string>();
        var helps = new Dictionary<string, string>();
        var samples = new Dictionary<string, List<Sample>>();
        var seen = new HashSet<string>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n')[..^1])
        {
            lineNumber++;
            try
            {
                ParseLine(line, types, helps, samples, seen);
            }
            catch (FormatException e)
            {
                throw new FormatException($"Line {lineNumber}: {e.Message}\n{line}");
            }
        }
        var families = types.ToDictionary(t => t.Key, t => new Family(t.Key, t.Value, helps.GetValueOrDefault(t.Key, ""), samples.GetValueOrDefault(t.Key) ?? []));
        foreach (var family in families.Values)
        {
            if (family.Type == "counter" && !family.Name.EndsWith("_total", StringComparison.Ordinal))
            {
                throw new FormatException($"Counter {family.Name} is not named *_total.");
            }
            if (family.Type == "histogram")
            {
                CheckHistogram(family);
            }
        }
        return families;
    }

    private static void ParseLine(string line, Dictionary<string, string> types, Dictionary<string, string> helps, Dictionary<string, List<Sample>> samples, HashSet<string> seen)
    {
        if (line.Length == 0)
        {
            return;
        }
        if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
        {
            var rest = line[7..];
            var space = rest.IndexOf(' ');
            var name = space < 0 ? rest : rest[..space];
            var value = space < 0 ? "" : rest[(space + 1)..];
            RequireName(name);
            if (line[2] == 'H')
            {
                if (!helps.TryAdd(name, Unescape(value, quoteAllowed: false)))
                {
                    throw new FormatException($"A second HELP for {name}.");
                }
                return;
            }
            if (value is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
            {
                throw new FormatException($"Unknown TYPE '{value}'.");
            }
            if (samples.ContainsKey(name) || !types.TryAdd(name, value))
            {
                throw new FormatException($"TYPE for {name} after its samples or twice.");
            }
            return;
        }
        if (line.StartsWith('#'))
        {
            return;
        }

        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            throw new FormatException("Not a sample line.");
        }
        var sampleName = match.Groups["name"].Value;
        var labels = ParseLabels(match.Groups["labels"].Value);
        var family = FamilyOf(sampleName, types) ?? throw new FormatException($"Sample {sampleName} has no TYPE before it.");
        var key = sampleName + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
        if (!seen.Add(key))
        {
            throw new FormatException($"Duplicate series {key}.");
        }
        if (!samples.TryGetValue(family, out var list))
        {
            samples[family] = list = [];
        }
        list.Add(new Sample(sampleName, labels, ParseValue(match.Groups["value"].Value)));
    }

    private static string? FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        if (types.ContainsKey(sampleName))
        {
            return types[sampleName] == "histogram" ? throw new FormatException($"Histogram {sampleName} has a bare sample.") : sampleName;
        }
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(sampleName[..^suffix.Length]) == "histogram")
            {
                return sampleName[..^suffix.Length];
            }
        }
        return null;
    }

    private static Dictionary<string, string> ParseLabels(string text)
    {
        var labels = new Dictionary<string, string>();
        var position = 0;
        while (position < text.Length)
        {
            var equals = text.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                throw new FormatException("A label must be name=\"value\".");
            }
            var name = text[position..equals];
            if (!LabelName().IsMatch(name))
            {
                throw new FormatException($"Bad label name '{name}'.");
            }
            var value = new StringBuilder();
            var i = equals + 2;
            for (; i < text.Length && text[i] != '"'; i++)
            {
                if (text[i] == '\\')
                {
                    i++;
                    value.Append(i < text.Length ? text[i] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        _ => throw new FormatException($"Bad escape '\\{text[i]}' in a label value."),
                    } : throw new FormatException("A label value ends in a backslash."));
                    continue;
                }
                value.Append(text[i]);
            }
            if (i >= text.Length)
            {
                throw new FormatException("An unterminated label value.");
            }
            if (!labels.TryAdd(name, value.ToString()))
            {
                throw new FormatException($"Label {name} twice.");
            }
            position = i + 1;
            if (position < text.Length)
            {
                if (text[position] != ',')
                {
                    throw new FormatException("Labels must be separated by commas.");
                }
                position++;
            }
        }
        return labels;
    }

    private static string Unescape(string help, bool quoteAllowed)
    {
        var text = new StringBuilder();
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] != '\\')
            {
                text.Append(help[i]);
                continue;
            }
            i++;
            text.Append(i < help.Length ? help[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when quoteAllowed => '"',
                _ => throw new FormatException($"Bad escape '\\{help[i]}' in HELP."),
            } : throw new FormatException("HELP ends in a backslash."));
        }
        return text.ToString();
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw new FormatException($"Bad value '{value}'."),
    };

    private static void CheckHistogram(Family family)
    {
        var bySeries = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
        foreach (var series in bySeries)
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            if (buckets.Any(b => !b.Labels.ContainsKey("le")))
            {
                throw new FormatException($"{family.Name}: a bucket without le.");
            }
            var bounds = buckets.Select(b => ParseValue(b.Labels["le"])).ToList();
            if (buckets.Count == 0 || !double.IsPositiveInfinity(bounds[^1]))
            {
                throw new FormatException($"{family.Name}{{{series.Key}}}: no +Inf bucket last.");
            }
            for (var i = 1; i < buckets.Count; i++)
            {
                if (!(bounds[i] > bounds[i - 1]) || buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"{family.Name}{{{series.Key}}}: buckets not ascending and cumulative at le={buckets[i].Labels["le"]}.");
                }
            }
            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{family.Name}{{{series.Key}}}: no _count.");
            _ = series.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}{{{series.Key}}}: no _sum.");
            if (count.Value != buckets[^1].Value)
            {
                throw new FormatException($"{family.Name}{{{series.Key}}}: _count differs from the +Inf bucket.");
            }
        }
    }

    private static void RequireName(string name)
    {
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"Bad metric name '{name}'.");
        }
    }

    [GeneratedRegex(@"\A(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[^\n]*)\})? (?<value>\S+)(?: -?\d+)?\z")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"\A[a-zA-Z_:][a-zA-Z0-9_:]*\z")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\A[a-zA-Z_][a-zA-Z0-9_]*\z")]
    private static partial Regex LabelName();
}
