using System.Globalization;
using System.Text.Json;

namespace LinearAlign.Bench;

/// <summary>"--name value" pairs.</summary>
/// <remarks>Not System.CommandLine: declaring each command's options there would take more lines than this parser has; the commands read what they need by name.</remarks>
public sealed class BenchArguments
{
    private readonly Dictionary<string, string> _values;

    private BenchArguments(Dictionary<string, string> values) => _values = values;

    public static BenchArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--name value', got '{args[i]}'.");
            }
            values[args[i][2..]] = args[++i];
        }
        return new BenchArguments(values);
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int defaultValue) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;

    /// <summary>An integer, or null for the word "none" (e.g. "--max-tokens none").</summary>
    public int? IntOrNone(string name, int defaultValue) =>
        _values.TryGetValue(name, out var value) ? value == "none" ? null : int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;

    public bool Has(string name) => _values.ContainsKey(name);

    public int? OptionalInt(string name) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    public double? Double(string name) =>
        _values.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : null;

    /// <summary>A value named as the enum's member in kebab case, or any case (e.g. "--prompt fixed", "--decoding fixed-length").</summary>
    public T Enum<T>(string name, T defaultValue) where T : struct, Enum
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return defaultValue;
        }
        return System.Enum.TryParse<T>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
            ? parsed
            : throw new ArgumentException($"--{name}: '{value}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(JsonNamingPolicy.KebabCaseLower.ConvertName))}.");
    }
}
