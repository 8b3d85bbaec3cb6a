namespace LinearAlign.Forge.Models;

/// <summary>The llama-family architectures the forge writes; they differ only in key names and a few tensors.</summary>
public enum LlamaArchitecture
{
    Llama,

    /// <summary>Qwen2 and Qwen2.5: llama's layers plus biases on the Q, K and V projections.</summary>
    Qwen2,
}

public static class LlamaArchitectureNames
{
    /// <summary>The general.architecture value, which also prefixes the architecture's hyperparameter keys.</summary>
    public static string GgufName(this LlamaArchitecture architecture) => architecture switch
    {
        LlamaArchitecture.Llama => "llama",
        LlamaArchitecture.Qwen2 => "qwen2",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "unknown architecture"),
    };
}
