namespace LinearAlign.TestFixtures.Models;

/// <summary>The hyperparameters of a llama-architecture model, named as the GGUF llama.* keys name them.</summary>
public sealed record LlamaShape(
    int EmbeddingLength,
    int BlockCount,
    int HeadCount,
    int HeadCountKv,
    int FeedForwardLength,
    int VocabSize,
    int ContextLength)
{
    /// <summary>Small enough that writing and loading it takes milliseconds; for unit tests.</summary>
    public static LlamaShape Tiny { get; } = new(64, 2, 4, 2, 128, 512, 2048);

    /// <summary>The shape of SmolLM2-135M, for tests and benchmarks that need a realistic amount of work per token.</summary>
    public static LlamaShape SmolLm2_135M { get; } = new(576, 30, 9, 3, 1536, 49152, 8192);

    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Width of the K and V projections: grouped-query attention shares each KV head among several query heads.</summary>
    public int KvEmbeddingLength => HeadCountKv * HeadDimension;
}
