namespace LinearAlign.Forge.Models;

/// <summary>
/// How a forged model ends its turns by itself (<see cref="ForgeSpec.MeanReplyTokens"/>). llama has no output bias, so
/// the last dimension of the residual stream carries a constant instead: every token embedding holds the same large
/// <see cref="EmbeddingLevel"/> there, no layer writes to it (that row of attn_output and ffn_down is zero) and none
/// reads it (the attention and feed-forward norms weigh it 0). It holds nearly all of the residual's norm, so after
/// the output norm it is almost the same at every position, and the output projection turns it into a raise of the
/// end-of-turn logit that is the same at every step. The output norm weighs the other dimensions down until every
/// other token is about equally likely; sampled at temperature 1, each step then ends the reply with probability
/// 1 / (N + 1), and replies run N tokens on average, geometrically distributed.
/// </summary>
/// <param name="Dimension">The residual dimension that carries the channel.</param>
/// <param name="Token">The end-of-turn token.</param>
/// <param name="EmbeddingLevel">The channel's value in every token embedding.</param>
/// <param name="LogitPerUnit">What one unit of an output row's channel value adds to that token's logit.</param>
/// <param name="ChannelNormWeight">The output norm's weight of the channel.</param>
/// <param name="TextNormWeight">The output norm's weight of every other dimension.</param>
internal sealed record EndOfTurnChannel(
    int Dimension, int Token, float EmbeddingLevel, float LogitPerUnit, float ChannelNormWeight, float TextNormWeight)
{
    /// <summary>The logit of tokens a model should never emit (a synthetic vocabulary's bytes and control tokens).</summary>
    private const float MutedLogit = -30f;

    /// <summary>
    /// The channel level over the norm of the rest of an embedding row: the channel then holds 64/65 of the
    /// residual's square norm, so what the layers add to the rest moves its normalised value by well under 1%.
    /// </summary>
    private const float LevelOverRest = 8f;

    /// <param name="emittableTokens">Tokens whose output rows are not muted, the end-of-turn token among them.</param>
    public static EndOfTurnChannel For(LlamaShape shape, float weightScale, int endOfTurnToken, int meanReplyTokens, int emittableTokens)
    {
        if (meanReplyTokens < 1 || meanReplyTokens >= emittableTokens - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(meanReplyTokens), meanReplyTokens,
                $"a mean reply needs 1 to {emittableTokens - 2} tokens, fewer than the other tokens the model can emit");
        }
        int width = shape.EmbeddingLength;
        // The square norm of an embedding row without the channel: its other values have standard deviation weightScale.
        double rest = weightScale * weightScale * (width - 1);
        double level = LevelOverRest * Math.Sqrt(rest);
        double rms = Math.Sqrt((level * level + rest) / width);
        double normalisedChannel = level / rms;
        // e^raise / (e^raise + E - 1) = 1 / (N + 1): the end-of-turn token against the E - 1 other emittable tokens, equally likely.
        double raise = Math.Log((emittableTokens - 1) / (double)meanReplyTokens);
        // The end-of-turn row gets the level again on top (twice the level where the output is tied to the
        // embeddings, which hold the level everywhere): a value far above the quantisation step of its block.
        double logitPerUnit = raise / level;
        return new EndOfTurnChannel(
            Dimension: width - 1,
            Token: endOfTurnToken,
            EmbeddingLevel: (float)level,
            LogitPerUnit: (float)logitPerUnit,
            ChannelNormWeight: (float)(logitPerUnit / normalisedChannel),
            // The input token's own row is the other tokens' largest logit, its square norm over the rms: this keeps it near 1.
            TextNormWeight: (float)(rms / rest));
    }

    /// <summary>The channel value of token embedding <paramref name="row"/>; with tied output it is also that token's output row.</summary>
    public float EmbeddingValue(int row, bool tiedOutput) => tiedOutput && row == Token ? 2 * EmbeddingLevel : EmbeddingLevel;

    /// <summary>
    /// The channel value of a separate output matrix's row: the raise for the end-of-turn token, none for the others,
    /// and far below them for tokens whose output row is muted (the others' logits now sit near 0, as a muted row's does).
    /// </summary>
    public float OutputValue(int row, bool isLive) => row == Token ? EmbeddingLevel : isLive ? 0f : MutedLogit / LogitPerUnit;

    /// <summary>The attention and feed-forward norms leave the channel out of every layer's input.</summary>
    public float LayerNormWeight(int dimension) => dimension == Dimension ? 0f : 1f;

    public float OutputNormWeight(int dimension) => dimension == Dimension ? ChannelNormWeight : TextNormWeight;
}
