namespace LinearAlign.Bench.Load;

/// <summary>
/// One request as the client saw it, times in milliseconds from the start of the run. First and last token are the
/// arrivals of the first and last chunk with generated text; token counts come from the server's usage when it sent
/// one, else from the number of such chunks.
/// </summary>
public sealed record RequestTiming
{
    public int Client { get; init; }

    /// <summary>The request's number in the run; with turns, the conversation's.</summary>
    public int Conversation { get; init; }

    /// <summary>1 for a first (or only) turn.</summary>
    public int Turn { get; init; } = 1;

    public double StartMs { get; init; }

    public double? FirstTokenMs { get; init; }

    public double? LastTokenMs { get; init; }

    public double EndMs { get; init; }

    public int CompletionTokens { get; init; }

    public int ContentChunks { get; init; }

    public bool UsageReported { get; init; }

    public int? PromptTokens { get; init; }

    public int? CachedTokens { get; init; }

    public int? HttpStatus { get; init; }

    public string? Error { get; init; }

    public bool Succeeded => Error is null;

    public double? TtftMs => FirstTokenMs - StartMs;

    /// <summary>Decode time per token after the first; null with fewer than two tokens.</summary>
    public double? TpotMs => DecodeMs is { } decode ? decode / (CompletionTokens - 1) : null;

    /// <summary>Tokens after the first per second of decoding; null with fewer than two tokens.</summary>
    public double? TokensPerSecond => DecodeMs is { } decode ? (CompletionTokens - 1) / (decode / 1000) : null;

    private double? DecodeMs =>
        CompletionTokens > 1 && FirstTokenMs is { } first && LastTokenMs is { } last && last > first ? last - first : null;
}
