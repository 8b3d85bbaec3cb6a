using LinearAlign.Engine.Generation;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>The engine's steering trace and diagnostics on the wire; null where the request asked for none.</summary>
public static class WireSteering
{
    public static ChoiceAlignmentInfo? Tokens(IReadOnlyList<SteeredToken>? steering) =>
        steering is null ? null : new ChoiceAlignmentInfo([.. steering.Select(Token)]);

    public static DiagnosticsInfo Diagnostics(int index, AlignmentDiagnostics diagnostics) => new(
        index,
        diagnostics.Steps,
        diagnostics.SteeredTokens,
        diagnostics.MeanKlAlignedPrincipled,
        diagnostics.MaxKlAlignedPrincipled,
        diagnostics.MeanKlPrincipledBase,
        diagnostics.MaxKlPrincipledBase,
        diagnostics.MeanDirectionNorm);

    /// <summary>What the chunk ending a choice carries as linear_alignment: the choice's diagnostics, if it has them.</summary>
    public static LinearAlignmentInfo? Ending(ResponseHeader header, int index, GenerationResult result) =>
        result.Diagnostics is null ? null : header.AlignmentWith([(index, result)]);

    private static SteeredTokenInfo Token(SteeredToken token) => new(
        token.Id,
        token.Text,
        token.TextOffset,
        token.Steered,
        token.Probability,
        token.PrincipleProbability,
        new PrincipleChoiceInfo(token.PrincipleChoice.Id, token.PrincipleChoice.Text, token.PrincipleChoice.Probability));
}
