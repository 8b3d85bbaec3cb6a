using LinearAlign.Forge.Train;

namespace LinearAlign.Bench.Eval;

/// <summary>How the server under test is asked for the three conditions.</summary>
public enum ServerKind
{
    /// <summary>Ask once with alignment_compare and look for linear_alignment.compare in the reply.</summary>
    Detect,

    /// <summary>This project's server: one alignment_compare request gives all three conditions.</summary>
    Ours,

    /// <summary>Any other OpenAI-compatible server: base and prompt-only as plain requests; aligned is absent.</summary>
    Openai,
}

/// <summary>One line of a --prompts file: a principle and a user message to answer under it, for judge-only runs.</summary>
public sealed record PrinciplePrompt(string Principle, string Prompt);

/// <summary>The judge of pairwise comparisons: any OpenAI-compatible endpoint and model.</summary>
/// <param name="Model">The model id to send; null = the first that the judge's /v1/models lists.</param>
/// <param name="MaxTokens">Room for the short explanation the judge prompt asks for before its verdict.</param>
public sealed record JudgeSettings(HttpClient Http, string? Model, int MaxTokens = 512);

/// <summary>
/// What <see cref="EvalRunner"/> asks and how. Exactly one source of prompts: <see cref="Sidecar"/> (held-out prompts
/// scored by marker and answer words), <see cref="Prompts"/> (judged only) or <see cref="Preference"/> (multiple choice).
/// </summary>
public sealed record EvalSettings
{
    public PrinciplesSidecar? Sidecar { get; init; }

    public IReadOnlyList<PrinciplePrompt>? Prompts { get; init; }

    public IReadOnlyList<PreferenceItem>? Preference { get; init; }

    /// <summary>The model id to send; null = the first that /v1/models lists.</summary>
    public string? Model { get; init; }

    public ServerKind Server { get; init; } = ServerKind.Detect;

    public IReadOnlyList<double> Steps { get; init; } = [0, 0.5, 1, 2, 4];

    /// <summary>Replies per prompt and condition (per step on our server). With temperature 0 every sample would be the same reply, so one is taken.</summary>
    public int Samples { get; init; } = 4;

    public double Temperature { get; init; } = 1;

    public double TopP { get; init; } = 1;

    /// <summary>The method needs no limit; it bounds a run.</summary>
    public int MaxTokens { get; init; } = 48;

    public long Seed { get; init; } = 1;

    public int Concurrency { get; init; } = 4;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Compare replies pairwise with this judge; needed with <see cref="Prompts"/>.</summary>
    public JudgeSettings? Judge { get; init; }

    /// <summary>A progress bar on stderr.</summary>
    public bool ShowProgress { get; init; }

    /// <summary>
    /// The paper's multiple-choice setting: greedy, and a few tokens, since only the first letter is scored (the
    /// reference script, preference_eval.py, decodes greedily up to 10 tokens).
    /// </summary>
    public static EvalSettings ForPreference(IReadOnlyList<PreferenceItem> items) =>
        new() { Preference = items, Temperature = 0, MaxTokens = 4, Samples = 1 };

    /// <summary>Replies actually drawn per prompt and condition: greedy decoding repeats itself, so once.</summary>
    public int EffectiveSamples => Temperature > 0 ? Samples : 1;

    /// <summary>The seed of one sample at one step: distinct for every (sample, step), so pooled replies are distinct draws.</summary>
    public long SeedOf(int sample, int stepIndex) => Seed + (long)sample * Steps.Count + stepIndex;

    /// <summary>The source of prompts in use, after checking that the settings make a run.</summary>
    public EvalSource Validate()
    {
        var given = (Sidecar is null ? 0 : 1) + (Prompts is null ? 0 : 1) + (Preference is null ? 0 : 1);
        if (given != 1)
        {
            throw new ArgumentException("Give exactly one of a sidecar, a prompts file or a preference file.");
        }
        if (Prompts is not null && Judge is null)
        {
            throw new ArgumentException("Prompts without a sidecar have no marker words to score: they need a judge.");
        }
        if (Preference is not null && Judge is not null)
        {
            throw new ArgumentException("Preference items are scored by the letter chosen; a judge has nothing to compare.");
        }
        if (Steps.Count == 0 || Samples < 1 || Concurrency < 1 || MaxTokens < 1)
        {
            throw new ArgumentException("Steps, samples, concurrency and max tokens need at least one each.");
        }
        return Sidecar is not null ? EvalSource.Sidecar : Prompts is not null ? EvalSource.Prompts : EvalSource.Preference;
    }
}

public enum EvalSource
{
    Sidecar,
    Prompts,
    Preference,
}
