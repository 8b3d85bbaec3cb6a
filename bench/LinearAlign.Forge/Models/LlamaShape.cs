namespace LinearAlign.Forge.Models;

/// <summary>
/// The hyperparameters of a llama-family model, named as the GGUF {architecture}.* keys name them.
/// <paramref name="TiedEmbeddings"/> leaves output.weight out, so llama.cpp computes logits with token_embd.weight.
/// </summary>
public sealed record LlamaShape(
    int EmbeddingLength,
    int BlockCount,
    int HeadCount,
    int HeadCountKv,
    int FeedForwardLength,
    int VocabSize,
    int ContextLength,
    LlamaArchitecture Architecture = LlamaArchitecture.Llama,
    bool TiedEmbeddings = false,
    float RopeFreqBase = 10000f,
    float RmsNormEpsilon = 1e-5f)
{
    /// <summary>Small enough that writing and loading it takes milliseconds; for unit tests.</summary>
    public static LlamaShape Tiny { get; } = new(64, 2, 4, 2, 128, 512, 2048);

    /// <summary>The shape of SmolLM2-135M, for tests and benchmarks that need a realistic amount of work per token.</summary>
    public static LlamaShape SmolLm2_135M { get; } = new(576, 30, 9, 3, 1536, 49152, 8192, TiedEmbeddings: true);

    /// <summary>The shape of Qwen2.5-0.5B: its embedding has more rows (151936) than its tokenizer has tokens.</summary>
    public static LlamaShape Qwen2_5_0_5B { get; } = new(
        896, 24, 14, 2, 4864, 151936, 32768, LlamaArchitecture.Qwen2, TiedEmbeddings: true, RopeFreqBase: 1_000_000f, RmsNormEpsilon: 1e-6f);

    /// <summary>The shape of Llama-2-7B: full multi-head attention, separate output matrix.</summary>
    public static LlamaShape Llama2_7B { get; } = new(4096, 32, 32, 32, 11008, 32000, 4096);

    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Width of the K and V projections: grouped-query attention shares each KV head among several query heads.</summary>
    public int KvEmbeddingLength => HeadCountKv * HeadDimension;
}
