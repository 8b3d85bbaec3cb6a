using System.Text.Json;

namespace LinearAlign.Forge.Train;

/// <summary>
/// What a trained model was taught, written beside it as <c>&lt;model&gt;.principles.json</c> by <c>bench train</c>:
/// each principle with its wordings, the marker words a reply in its style uses and how often the training replies
/// used them when it was in the system message; and the held-out prompts, (principle, subject) pairs no training
/// dialogue had, on which <c>bench eval</c> measures adherence (a marker word in the reply) and correctness (a word of
/// the subject's answer in the reply).
/// </summary>
public sealed record PrinciplesSidecar(
    int Seed,
    IReadOnlyList<SidecarPrinciple> Principles,
    IReadOnlyList<HeldOutPrompt> HeldOut,
    double BaseStyleRate)
{
    public const string FileSuffix = ".principles.json";

    /// <summary>snake_case names, as bench's reports and the OpenAI API write them; a hand-edited file may have comments.</summary>
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The sidecar's path for a model file: model.gguf → model.principles.json.</summary>
    public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, null) + FileSuffix;

    public static PrinciplesSidecar Read(string path) =>
        JsonSerializer.Deserialize<PrinciplesSidecar>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no principles sidecar.");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public SidecarPrinciple Principle(string name) =>
        Principles.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"no principle named '{name}'");
}

/// <param name="Name">A short identifier (e.g. "pirate").</param>
/// <param name="Wordings">The texts that state the principle; the first is the one evaluations send.</param>
/// <param name="Markers">Lowercase words that only a reply in this style uses.</param>
/// <param name="TrainingRate">The share of training replies in this style when the principle was in the system message.</param>
public sealed record SidecarPrinciple(string Name, IReadOnlyList<string> Wordings, IReadOnlyList<string> Markers, double TrainingRate);

/// <param name="Principle">The <see cref="SidecarPrinciple.Name"/> this prompt is evaluated with.</param>
/// <param name="Prompt">The user message.</param>
/// <param name="AnswerWords">Lowercase words of which a correct reply contains at least one.</param>
public sealed record HeldOutPrompt(string Principle, string Subject, string Prompt, IReadOnlyList<string> AnswerWords);
