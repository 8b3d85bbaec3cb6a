using System.Diagnostics;
using LinearAlign.Forge.Gguf;
using LinearAlign.Forge.Models;

namespace LinearAlign.Bench;

/// <summary>
/// Writes a random-weight GGUF model of a realistic shape, with the real tokenizer and chat template of the model it
/// imitates: speed does not depend on the weight values, but prompt lengths depend on the tokenizer.
/// </summary>
public static class ForgeCommand
{
    public static int Run(BenchArguments arguments)
    {
        var preset = ForgePreset.Named(arguments.Required("preset"));
        var type = (arguments.Optional("type") ?? "q8_0") switch
        {
            "f32" => GgmlType.F32,
            "f16" => GgmlType.F16,
            "q8_0" => GgmlType.Q8_0,
            var other => throw new ArgumentException($"Unknown weight type '{other}' (f32, f16, q8_0)."),
        };
        var output = arguments.Required("out");
        // With random weights, output logits tied to the embeddings make the model repeat its input's last token;
        // a separate output matrix (one more vocabulary-sized matrix to read per step) makes it write varied text,
        // for demonstrations such as the playground's screenshot.
        var shape = (arguments.Optional("output") ?? "preset") switch
        {
            "preset" => preset.Shape,
            "separate" => preset.Shape with { TiedEmbeddings = false },
            var other => throw new ArgumentException($"Unknown --output '{other}' (preset, separate)."),
        };
        // Open-ended benchmark requests (no max_tokens) need a model that ends its turns by itself.
        var spec = new ForgeSpec(shape, type, Name: $"bench-{preset.Name}", MeanReplyTokens: arguments.OptionalInt("end-of-turn-tokens"));
        if (preset.VocabularyFileName is not null)
        {
            var vocabularyFolder = arguments.Optional("vocab-dir") ?? VocabularyCache.EnsureFilled();
            spec = spec with
            {
                VocabularyFile = Path.Combine(vocabularyFolder, preset.VocabularyFileName),
                ChatTemplate = preset.ChatTemplate?.Invoke(vocabularyFolder),
            };
        }
        var watch = Stopwatch.StartNew();
        ModelForge.Write(output, spec);
        Console.WriteLine($"wrote {output} ({new FileInfo(output).Length >> 20} MiB) in {watch.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
