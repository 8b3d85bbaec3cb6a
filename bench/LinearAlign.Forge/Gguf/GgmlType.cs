namespace LinearAlign.Forge.Gguf;

/// <summary>The ggml tensor types the forge can write; values are ggml's own type ids.</summary>
public enum GgmlType
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
}
