using System.Diagnostics;
using LinearAlign.TestFixtures.Gguf;
using LinearAlign.TestFixtures.Models;

namespace LinearAlign.Bench;

/// <summary>Writes a random-weight GGUF model of a realistic shape: speed does not depend on the weight values.</summary>
public static class ForgeCommand
{
    public static int Run(BenchArguments arguments)
    {
        var shape = arguments.Required("preset") switch
        {
            "tiny" => LlamaShape.Tiny,
            "smollm2-135m" => LlamaShape.SmolLm2_135M,
            var other => throw new ArgumentException($"Unknown preset '{other}' (tiny, smollm2-135m)."),
        };
        var type = (arguments.Optional("type") ?? "q8_0") switch
        {
            "f32" => GgmlType.F32,
            "f16" => GgmlType.F16,
            "q8_0" => GgmlType.Q8_0,
            var other => throw new ArgumentException($"Unknown weight type '{other}' (f32, f16, q8_0)."),
        };
        var output = arguments.Required("out");
        var watch = Stopwatch.StartNew();
        ModelForge.Write(output, new ForgeSpec(shape, type, Name: $"bench-{arguments.Required("preset")}"));
        Console.WriteLine($"wrote {output} ({new FileInfo(output).Length >> 20} MiB) in {watch.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
