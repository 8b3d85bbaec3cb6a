namespace LinearAlign.Engine.Model;

/// <summary>
/// What was loaded, as reported by llama.cpp. <paramref name="Principles"/> are those the file declares it was trained
/// on (<see cref="ModelPrinciple.MetadataKey"/>); null when it declares none or the declaration is malformed.
/// </summary>
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
    int VocabularySize,
    IReadOnlyList<ModelPrinciple>? Principles);
