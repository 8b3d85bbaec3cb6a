using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LinearAlign.Bench.Load;
using LinearAlign.Forge;
using LinearAlign.Forge.Gguf;
using LinearAlign.Forge.Models;
using LinearAlign.Forge.Train;
using LinearAlign.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Bench.Train;

/// <summary>
/// <c>bench train</c>: a small llama model trained from random weights, here, to follow a style principle in its
/// system message (see <see cref="StyleWorld"/>). Writes the GGUF (with its chat template and principles in the
/// metadata), the principles sidecar and the multiple-choice evaluation items. Deterministic for a seed: --minutes
/// sizes the run in steps at <see cref="ReferenceTokensPerSecond"/>, the rate of the 2-core machine it was made on, so
/// the same seed and minutes give the same model anywhere, sooner or later.
/// </summary>
public static class TrainCommand
{
    /// <summary>Training tokens per second measured on the project's 2-core machine; it converts minutes to steps.</summary>
    public const int ReferenceTokensPerSecond = 11_000;

    public const int ContextLength = 256;

    /// <summary>The metadata key the playground reads the principles from.</summary>
    public const string PrinciplesMetadataKey = "linearalign.principles";

    /// <summary>64-dimensional, 2 layers, 2 heads, feed-forward 192: about 100k parameters besides the vocabulary's two matrices.</summary>
    public static LlamaShape Shape(int vocabularySize) => new(64, 2, 2, 2, 192, vocabularySize, ContextLength);

    public static int Run(BenchArguments arguments)
    {
        string output = Path.GetFullPath(arguments.Required("out"));
        int seed = arguments.Int("seed", 1);
        double minutes = arguments.Double("minutes") ?? 10;
        int threads = arguments.Int("threads", Environment.ProcessorCount);
        int steps = (int)(minutes * 60 * ReferenceTokensPerSecond / ContextLength);
        string library = arguments.Optional("llama-lib") ?? BuildTrainingLibrary();
        LlamaRuntime.Initialize(library, NullLogger.Instance);

        var corpus = new DialogueCorpus(seed);
        var words = StyleWorld.Words();
        var spec = new ForgeSpec(
            Shape(ModelForge.WordVocabularySize(words)),
            GgmlType.F32,
            seed,
            WeightScale: 1f,
            Name: "linearalign-styles",
            VocabularyWords: words,
            OutputScale: 1f / 8);
        string folder = Directory.CreateTempSubdirectory("linearalign-train-").FullName;
        try
        {
            string initial = Path.Combine(folder, "initial.gguf");
            string trained = Path.Combine(folder, "trained.gguf");
            ModelForge.Write(initial, spec);
            Console.Error.WriteLine($"train: {spec.Shape.VocabSize}-token vocabulary, {steps} steps of {ContextLength} tokens, {threads} threads, seed {seed}");

            var watch = Stopwatch.StartNew();
            TrainingProgress latest = default;
            var settings = new TrainingSettings(steps, ContextLength, threads);
            var progress = ProgressBar.Start("train", steps, () => ((int)latest.Step, latest.Step * ContextLength), () => Detail(latest, watch.Elapsed));
            try
            {
                ModelTrainer.Train(initial, trained, settings,
                    vocab => ModelTrainer.Windows(vocab, corpus.TrainingDialogues().Select(DialogueCorpus.Render), ContextLength),
                    p => latest = p);
            }
            finally
            {
                progress.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train: held-out loss {latest.RecentLoss:F3}, next-token accuracy {latest.RecentAccuracy:P1}, {watch.Elapsed.TotalMinutes:F1} min"));

            WriteModel(output, initial, trained, corpus.Sidecar());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        WriteSidecars(output, corpus);
        Console.WriteLine($"wrote {output} ({new FileInfo(output).Length / 1024} KiB), {PrinciplesSidecar.PathFor(output)} and {PreferenceItemsPath(output)}");
        return 0;
    }

    public static string PreferenceItemsPath(string modelPath) => Path.ChangeExtension(modelPath, null) + ".preference.jsonl";

    /// <summary>The sidecar and the multiple-choice items, which depend on the seed alone.</summary>
    public static void WriteSidecars(string modelPath, DialogueCorpus corpus)
    {
        File.WriteAllText(PrinciplesSidecar.PathFor(modelPath), corpus.Sidecar().ToJson() + "\n");
        File.WriteAllLines(PreferenceItemsPath(modelPath),
            corpus.PreferenceItems().Select(item => JsonSerializer.Serialize(item, PreferenceJson)));
    }

    private static readonly JsonSerializerOptions PreferenceJson = new(BenchJson.Options) { WriteIndented = false };

    /// <summary>
    /// llama_model_save_to_file writes the weights but drops the chat template: the forged file's metadata (tokenizer,
    /// template) goes back with the trained tensors, plus the principles for clients such as the playground.
    /// </summary>
    private static void WriteModel(string output, string initial, string trained, PrinciplesSidecar sidecar)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in GgufReader.ReadMetadata(initial))
        {
            writer.Add(key, value);
        }
        writer.Add(PrinciplesMetadataKey, JsonSerializer.Serialize(sidecar.Principles.Select(p => new { p.Name, Principle = p.Wordings[0] }), BenchJson.Options));
        foreach (var tensor in GgufReader.ReadTensors(trained))
        {
            writer.AddTensor(tensor.Name, tensor.Type, tensor.Shape, data => tensor.Data.CopyTo(data));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        writer.WriteTo(output);
    }

    private static string Detail(TrainingProgress progress, TimeSpan elapsed)
    {
        if (progress.Step == 0)
        {
            return "";
        }
        var remaining = progress.Evaluating ? TimeSpan.Zero : elapsed * ((double)(progress.Steps - progress.Step) / progress.Step);
        return string.Create(CultureInfo.InvariantCulture,
            $"{(progress.Evaluating ? "held-out " : "")}loss {progress.RecentLoss:F3}  acc {progress.RecentAccuracy:P1}  ETA {remaining:mm\\:ss}");
    }

    /// <summary>Runs bench/train/build-training-llama.sh, which builds once and caches; its last line is the folder.</summary>
    private static string BuildTrainingLibrary()
    {
        var script = Path.Combine(Checkout.Root, "bench", "train", "build-training-llama.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {script}");
        string lastLine = process.StandardOutput.ReadToEnd().TrimEnd().Split('\n')[^1];
        process.WaitForExit();
        return process.ExitCode == 0 ? lastLine : throw new InvalidOperationException($"{script} failed (exit {process.ExitCode}); see its messages above");
    }
}
