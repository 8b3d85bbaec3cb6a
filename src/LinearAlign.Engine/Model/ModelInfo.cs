namespace LinearAlign.Engine.Model;

/// <summary>What was loaded, as reported by llama.cpp.</summary>
public sealed record ModelInfo(
    string Alias,
    string FilePath,
    string Architecture,
    string Description,
    ulong ParameterCount,
    ulong SizeBytes,
    int TrainingContextLength,
    int EmbeddingLength,
    int LayerCount,
    int VocabularySize);
