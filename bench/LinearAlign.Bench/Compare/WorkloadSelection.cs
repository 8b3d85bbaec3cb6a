using System.Text.Json;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Compare;

/// <summary>
/// The workloads an option names: a JSON file with an array of workloads, or names from the built-in set ("all" for
/// all of it), which --prompt-tokens, --max-tokens, --requests-per-client, --principle and --step-size shape.
/// </summary>
public static class WorkloadSelection
{
    public static IReadOnlyList<Workload> Parse(BenchArguments arguments, string option, string selection)
    {
        if (File.Exists(selection))
        {
            var fromFile = JsonSerializer.Deserialize<List<Workload>>(File.ReadAllText(selection), BenchJson.Options)
                ?? throw new ArgumentException($"{selection} holds no workloads.");
            if (fromFile.Select(w => w.Name).Distinct().Count() != fromFile.Count)
            {
                throw new ArgumentException($"{selection}: workload names must differ.");
            }
            return fromFile;
        }
        var builtIn = BuiltInWorkloads.Create(BuiltInShape.Of(arguments));
        if (selection == "all")
        {
            return builtIn;
        }
        var names = selection.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.Where(n => builtIn.All(w => w.Name != n)).ToList();
        return unknown.Count == 0
            ? builtIn.Where(w => names.Contains(w.Name)).ToList()
            : throw new ArgumentException($"--{option}: no file and no built-in workload named {string.Join(", ", unknown)} (built-in: all, {string.Join(", ", builtIn.Select(w => w.Name))}).");
    }
}
