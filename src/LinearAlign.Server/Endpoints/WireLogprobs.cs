using LinearAlign.Engine.Generation;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>The engine's token log-probabilities in OpenAI's two shapes; null where the request asked for none.</summary>
public static class WireLogprobs
{
    /// <summary>
    /// JSON has no -Infinity or NaN, so a token the distribution rules out (banned, or outside the aligned nucleus) is
    /// written as -9999, the floor OpenAI's API reports for impossible tokens. llama-server writes the lowest float
    /// (-3.4e38) instead, which overflows to -Infinity in a client that sums log-probabilities over a reply.
    /// </summary>
    public const float Impossible = -9999f;

    public static ChatChoiceLogprobs? Chat(IReadOnlyList<TokenLogprob>? logprobs) =>
        logprobs is null ? null : new ChatChoiceLogprobs([.. logprobs.Select(ChatEntry)], null);

    public static CompletionLogprobs? Completion(IReadOnlyList<TokenLogprob>? logprobs)
    {
        if (logprobs is null)
        {
            return null;
        }
        var tokens = new string[logprobs.Count];
        var values = new float[logprobs.Count];
        var alternatives = new Dictionary<string, float>[logprobs.Count];
        var offsets = new int[logprobs.Count];
        for (var i = 0; i < logprobs.Count; i++)
        {
            var entry = logprobs[i];
            tokens[i] = entry.Token;
            values[i] = Value(entry.Logprob);
            alternatives[i] = new Dictionary<string, float>(entry.TopLogprobs.Count);
            foreach (var top in entry.TopLogprobs)
            {
                // Two tokens can show the same text (each a piece of one character); the likelier, listed first, keeps it.
                alternatives[i].TryAdd(top.Token, Value(top.Logprob));
            }
            offsets[i] = entry.TextOffset;
        }
        var alignment = logprobs.Count > 0 && logprobs.All(entry => entry.Alignment is not null)
            ? logprobs.Select(entry => Alignment(entry.Alignment!.Value)).ToArray()
            : null;
        return new CompletionLogprobs(tokens, values, alternatives, offsets, alignment);
    }

    private static ChatTokenLogprob ChatEntry(TokenLogprob entry) => new(
        entry.Token,
        Value(entry.Logprob),
        Bytes(entry.Bytes),
        [.. entry.TopLogprobs.Select(top => new ChatTopLogprob(top.Token, Value(top.Logprob), Bytes(top.Bytes)))],
        entry.Alignment is { } alignment ? Alignment(alignment) : null);

    private static TokenAlignmentLogprobs Alignment(PrincipleLogprobs alignment) =>
        new(Value(alignment.WithPrinciple), Value(alignment.WithoutPrinciple));

    private static float Value(float logprob) => float.IsFinite(logprob) ? logprob : Impossible;

    /// <summary>OpenAI writes bytes as an array of numbers; a byte[] would be written as base64.</summary>
    private static int[] Bytes(byte[] bytes) => Array.ConvertAll(bytes, b => (int)b);
}
