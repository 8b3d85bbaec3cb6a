using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Sampling;

/// <summary>How the next token is picked from the (aligned) logits. Defaults follow the OpenAI API.</summary>
public sealed record SamplingParameters
{
    /// <summary>0 = greedy.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus mass. For aligned requests it is taken from the principled distribution softmax(l_W/T) and masks the aligned one.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>0 = disabled.</summary>
    public int TopK { get; init; }

    /// <summary>0 = disabled.</summary>
    public float MinP { get; init; }

    /// <summary>Same seed and same request give the same output; null = random.</summary>
    public uint? Seed { get; init; }

    public float PresencePenalty { get; init; }

    public float FrequencyPenalty { get; init; }

    /// <summary>1 = disabled.</summary>
    public float RepeatPenalty { get; init; } = 1f;

    /// <summary>How many of the latest generated tokens the penalties look at.</summary>
    public int PenaltyLastN { get; init; } = 64;

    /// <summary>Token id to a bias added to its logit, within ±<see cref="BanningBias"/>; for aligned requests it also moves the principled nucleus.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>The lowest bias, which bans its token (never emitted, however likely), as in OpenAI's API.</summary>
    public const float BanningBias = -100f;

    /// <summary>Never pick an end-of-generation token (llama.cpp's ignore_eos): generation runs to max_tokens, a stop string or the context limit.</summary>
    public bool IgnoreEndOfGeneration { get; init; }

    /// <summary>
    /// A GBNF grammar (llama.cpp's, root rule <c>root</c>) the output must follow: only tokens it allows are drawn,
    /// and once it is complete only an end-of-generation token. For aligned requests it constrains the aligned
    /// distribution within the principled nucleus, or over the whole vocabulary where the two leave no token.
    /// </summary>
    public string? Grammar { get; init; }

    public bool IsGreedy => Temperature == 0f;

    public bool HasPenalties => PresencePenalty != 0f || FrequencyPenalty != 0f || RepeatPenalty != 1f;

    public bool HasLogitBias => LogitBias is { Count: > 0 };

    /// <summary>Throws <see cref="EngineException"/> naming the first parameter that is out of range.</summary>
    public void Validate(int vocabularySize)
    {
        Check(float.IsFinite(Temperature) && Temperature is >= 0f and <= 2f, "temperature", "must be between 0 and 2");
        Check(float.IsFinite(TopP) && TopP is > 0f and <= 1f, "top_p", "must be greater than 0 and at most 1");
        Check(TopK >= 0, "top_k", "must be 0 (disabled) or positive");
        Check(float.IsFinite(MinP) && MinP is >= 0f and <= 1f, "min_p", "must be between 0 and 1");
        Check(float.IsFinite(PresencePenalty) && PresencePenalty is >= -2f and <= 2f, "presence_penalty", "must be between -2 and 2");
        Check(float.IsFinite(FrequencyPenalty) && FrequencyPenalty is >= -2f and <= 2f, "frequency_penalty", "must be between -2 and 2");
        Check(float.IsFinite(RepeatPenalty) && RepeatPenalty is > 0f and <= 10f, "repeat_penalty", "must be greater than 0 and at most 10");
        Check(PenaltyLastN is >= 0 and <= 1 << 16, "penalty_last_n", "must be between 0 and 65536");
        if (LogitBias is null)
        {
            return;
        }
        foreach (var (token, bias) in LogitBias)
        {
            Check(token >= 0 && token < vocabularySize, "logit_bias", $"token {token} is not in the vocabulary (0..{vocabularySize - 1})");
            Check(float.IsFinite(bias) && bias is >= BanningBias and <= -BanningBias, "logit_bias", $"bias for token {token} must be between -100 and 100");
        }
    }

    private static void Check(bool valid, string param, string rule)
    {
        if (!valid)
        {
            throw EngineException.Invalid(param, $"'{param}' {rule}.");
        }
    }
}
