using System.ComponentModel.DataAnnotations;

namespace LinearAlign.Engine.Options;

/// <summary>Configuration section "Model": which GGUF file to serve and how to run it.</summary>
public sealed class ModelOptions : IValidatableObject
{
    public const string SectionName = "Model";

    /// <summary>Local GGUF file. Wins over <see cref="Url"/> when both are set.</summary>
    public string? Path { get; set; }

    /// <summary>GGUF file to download (e.g. a Hugging Face resolve URL) into <see cref="CacheDirectory"/>.</summary>
    public string? Url { get; set; }

    /// <summary>Expected SHA-256 (hex) of the file at <see cref="Url"/>; checked after download when set.</summary>
    public string? Sha256 { get; set; }

    public string CacheDirectory { get; set; } = System.IO.Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "linearalign", "models");

    /// <summary>Name clients use for the model; defaults to the GGUF file name without extension.</summary>
    public string? Alias { get; set; }

    /// <summary>KV cache cells shared by all sequences (the cache is unified).</summary>
    [Range(64, 1 << 20)]
    public int ContextSize { get; set; } = 4096;

    /// <summary>Most tokens one llama_decode call carries: every running stream's next token plus prefill chunks.</summary>
    [Range(16, 1 << 16)]
    public int BatchSize { get; set; } = 512;

    /// <summary>CPU threads for ggml; 0 = the cores available to this process. More threads than cores makes ggml collapse.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>cpu, cuda, or auto: CUDA when the libraries and a GPU are usable, the CPU otherwise.</summary>
    public ComputeBackend Backend { get; set; } = ComputeBackend.Auto;

    /// <summary>Layers offloaded to the GPU when the model runs on one; -1 = all.</summary>
    [Range(-1, 100_000)]
    public int GpuLayers { get; set; } = -1;

    /// <summary>Run on this GPU alone (index among the GPUs llama.cpp finds); unset = split the layers across all GPUs.</summary>
    [Range(0, 255)]
    public int? MainGpu { get; set; }

    /// <summary>Folder with the llama.cpp libraries; empty = native/&lt;backend&gt; beside the application, where the build puts them.</summary>
    public string? NativeLibraryPath { get; set; }

    /// <summary>llama.cpp built-in template name used when the model has no chat template llama.cpp understands.</summary>
    [Required]
    public string FallbackChatTemplate { get; set; } = "chatml";

    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Path) && string.IsNullOrWhiteSpace(Url))
        {
            yield return new ValidationResult("Set Model:Path to a GGUF file (or Model:Url to download one).", [nameof(Path)]);
        }
        if (!string.IsNullOrWhiteSpace(Url) && !Uri.TryCreate(Url, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"Model:Url '{Url}' is not an absolute URL.", [nameof(Url)]);
        }
        if (!string.IsNullOrWhiteSpace(Sha256) && (Sha256.Length != 64 || !Sha256.All(Uri.IsHexDigit)))
        {
            yield return new ValidationResult("Model:Sha256 must be 64 hexadecimal characters.", [nameof(Sha256)]);
        }
        if (Threads > Environment.ProcessorCount)
        {
            yield return new ValidationResult(
                $"Model:Threads = {Threads} exceeds the {Environment.ProcessorCount} cores available; ggml slows down by orders of magnitude when oversubscribed. Use 0 for all cores.",
                [nameof(Threads)]);
        }
    }
}
