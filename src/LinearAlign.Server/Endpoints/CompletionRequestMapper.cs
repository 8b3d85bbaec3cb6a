using System.Globalization;
using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Sampling;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>Translates wire requests into engine requests; wire-level mistakes throw <see cref="EngineException"/> naming the field.</summary>
public static class CompletionRequestMapper
{
    public const int MaxChoices = 16;

    public static IReadOnlyList<GenerationRequest> ToGenerationRequests(CompletionRequest request)
    {
        if (request.Prompt is not { Count: > 0 } prompts)
        {
            throw EngineException.Invalid("prompt", "'prompt' is required: a string or an array of strings.");
        }
        var n = request.N ?? 1;
        if (n < 1 || n * prompts.Count > MaxChoices)
        {
            throw EngineException.Invalid("n", $"'n' must be at least 1, and n times the number of prompts at most {MaxChoices}.");
        }

        var sampling = new SamplingParameters
        {
            Temperature = request.Temperature ?? 1f,
            TopP = request.TopP ?? 1f,
            TopK = request.TopK ?? 0,
            MinP = request.MinP ?? 0f,
            Seed = request.Seed is { } seed ? FoldSeed(seed) : null,
            PresencePenalty = request.PresencePenalty ?? 0f,
            FrequencyPenalty = request.FrequencyPenalty ?? 0f,
            RepeatPenalty = request.RepeatPenalty ?? 1f,
            LogitBias = ParseLogitBias(request.LogitBias),
        };
        var stop = request.Stop ?? [];
        if (stop.Count > 4 || stop.Any(s => s.Length == 0))
        {
            throw EngineException.Invalid("stop", "'stop' takes up to 4 non-empty strings.");
        }

        var generations = new List<GenerationRequest>(n * prompts.Count);
        foreach (var prompt in prompts)
        {
            for (var i = 0; i < n; i++)
            {
                generations.Add(new GenerationRequest
                {
                    Prompt = prompt,
                    Principle = request.Principle,
                    StepSize = request.StepSize,
                    Mode = ParseMode(request.AlignmentMode),
                    Sampling = sampling,
                    MaxTokens = request.MaxTokens ?? 16,
                    Stop = stop,
                });
            }
        }
        return generations;
    }

    public static string WireName(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length",
        _ => "stop",
    };

    public static string WireName(AlignmentMode mode) => mode == AlignmentMode.Normalized ? "normalized" : "reference";

    private static AlignmentMode? ParseMode(string? mode) => mode switch
    {
        null => null,
        "reference" => AlignmentMode.Reference,
        "normalized" => AlignmentMode.Normalized,
        _ => throw EngineException.Invalid("alignment_mode", "'alignment_mode' must be \"reference\" or \"normalized\"."),
    };

    /// <summary>OpenAI seeds are 64-bit; llama.cpp's are 32-bit, with all ones meaning "random".</summary>
    private static uint FoldSeed(long seed)
    {
        var folded = (uint)(seed ^ (seed >> 32));
        return folded == uint.MaxValue ? uint.MaxValue - 1 : folded;
    }

    private static Dictionary<int, float>? ParseLogitBias(Dictionary<string, float>? bias)
    {
        if (bias is null)
        {
            return null;
        }
        var parsed = new Dictionary<int, float>(bias.Count);
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var token))
            {
                throw EngineException.Invalid("logit_bias", $"'logit_bias' keys must be token ids; '{key}' is not.");
            }
            parsed[token] = value;
        }
        return parsed;
    }
}
