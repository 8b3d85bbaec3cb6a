using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

/// <summary>POST /v1/completions, with the linear alignment extensions "principle", "step_size" and "alignment_mode".</summary>
public sealed record CompletionRequest
{
    public string? Model { get; init; }

    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Prompt { get; init; }

    public int? MaxTokens { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? TopK { get; init; }

    public float? MinP { get; init; }

    public long? Seed { get; init; }

    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Stop { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public float? RepeatPenalty { get; init; }

    public Dictionary<string, float>? LogitBias { get; init; }

    public bool? Stream { get; init; }

    public int? N { get; init; }

    public string? Principle { get; init; }

    public float? StepSize { get; init; }

    public string? AlignmentMode { get; init; }
}
