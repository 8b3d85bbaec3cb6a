namespace LinearAlign.Engine.Generation;

/// <summary>
/// What steering did at one generated token. Probabilities are at temperature 1 over the whole vocabulary, before
/// logit bias and bans: the aligned distribution's and P's, P being W's with one principle and the s = 0 combination
/// l_U + Σ_i (l_{W_i} − l_U) with several.
/// </summary>
/// <param name="Text">The token's own text, which may hold part of a character.</param>
/// <param name="TextOffset">Where the token's text starts in the generated text, in UTF-16 chars.</param>
/// <param name="Probability">The token's probability under the aligned distribution.</param>
/// <param name="PrincipleProbability">The token's probability under P.</param>
/// <param name="PrincipleChoice">The token P would have given under the same sampling draw (greedy: its argmax).</param>
/// <param name="KlAlignedPrincipled">KL(aligned ‖ P) at this step, in nats: how far the update moved the distribution.</param>
/// <param name="KlPrincipledBase">KL(P ‖ U) at this step, in nats: how strongly the principles act in this context.</param>
/// <param name="DirectionNorm">|aligned − P|, the norm of the step-weighted direction Σ_i s_i d_i.</param>
public sealed record SteeredToken(
    int Id,
    string Text,
    int TextOffset,
    float Probability,
    float PrincipleProbability,
    PrincipleChoice PrincipleChoice,
    float KlAlignedPrincipled,
    float KlPrincipledBase,
    float DirectionNorm)
{
    /// <summary>Steering changed this token: P alone would have given another.</summary>
    public bool Steered => Id != PrincipleChoice.Id;
}

/// <summary>The token P would have chosen, and its probability under P.</summary>
public sealed record PrincipleChoice(int Id, string Text, float Probability);

/// <summary>A summary of what steering did over a reply's tokens (the ones its text holds).</summary>
public sealed record AlignmentDiagnostics(
    int Steps,
    int SteeredTokens,
    float MeanKlAlignedPrincipled,
    float MaxKlAlignedPrincipled,
    float MeanKlPrincipledBase,
    float MaxKlPrincipledBase,
    float MeanDirectionNorm)
{
    public static AlignmentDiagnostics Of(IReadOnlyList<SteeredToken> tokens)
    {
        if (tokens.Count == 0)
        {
            return new AlignmentDiagnostics(0, 0, 0f, 0f, 0f, 0f, 0f);
        }
        return new AlignmentDiagnostics(
            tokens.Count,
            tokens.Count(token => token.Steered),
            (float)tokens.Average(token => token.KlAlignedPrincipled),
            tokens.Max(token => token.KlAlignedPrincipled),
            (float)tokens.Average(token => token.KlPrincipledBase),
            tokens.Max(token => token.KlPrincipledBase),
            (float)tokens.Average(token => token.DirectionNorm));
    }
}
