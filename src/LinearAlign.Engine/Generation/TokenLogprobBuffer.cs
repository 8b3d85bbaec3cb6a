using System.Text;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Generation;

/// <summary>A token's text as the model's vocabulary gives it; the returned bytes are valid until the next call.</summary>
internal delegate ReadOnlySpan<byte> TokenPiece(int token);

/// <summary>
/// A stream's log-probabilities, written by the inference thread as tokens are sampled and read as
/// <see cref="TokenLogprob"/>s by the stream's reader. The inference thread only copies numbers and token bytes into
/// pooled buffers, so a token allocates nothing there; the records are made on the reader's side. The owner
/// serialises access.
/// </summary>
internal sealed class TokenLogprobBuffer : ITokenTrace<TokenLogprob>
{
    private readonly PooledRecords<TokenRecord> _tokens = new();
    private readonly PooledRecords<AlternativeRecord> _alternatives = new();
    private readonly PooledBytes _bytes = new();

    private readonly record struct TokenRecord(
        int TextOffset, ByteRange Bytes, float Logprob, PrincipleLogprobs? Alignment, int FirstAlternative, int Alternatives);

    private readonly record struct AlternativeRecord(ByteRange Bytes, float Logprob);

    /// <summary>Records the token just sampled with the sampler's log-probabilities for it.</summary>
    /// <param name="textOffset">Where the token's text starts in the stream's text, in chars.</param>
    public void Add(int textOffset, int token, TokenSampler sampler, TokenPiece piece)
    {
        var logprobs = sampler.Logprobs!;
        var top = logprobs.TopTokens;
        var first = _alternatives.Count;
        _alternatives.Reserve(top.Length);
        for (var rank = 0; rank < top.Length; rank++)
        {
            _alternatives.Add(new AlternativeRecord(_bytes.Store(piece(top[rank])), logprobs.TopLogprob(rank)));
        }
        _tokens.Add(new TokenRecord(textOffset, _bytes.Store(piece(token)), sampler.LastLogprob, sampler.LastPrincipleLogprobs, first, top.Length));
    }

    public List<TokenLogprob> Read(int from, int textLength)
    {
        var read = new List<TokenLogprob>();
        for (var i = from; i < _tokens.Count && _tokens[i].TextOffset < textLength; i++)
        {
            var record = _tokens[i];
            var alternatives = new TopLogprob[record.Alternatives];
            for (var rank = 0; rank < alternatives.Length; rank++)
            {
                var alternative = _alternatives[record.FirstAlternative + rank];
                var bytes = _bytes.Copy(alternative.Bytes);
                alternatives[rank] = new TopLogprob(Encoding.UTF8.GetString(bytes), bytes, alternative.Logprob);
            }
            var tokenBytes = _bytes.Copy(record.Bytes);
            read.Add(new TokenLogprob(Encoding.UTF8.GetString(tokenBytes), tokenBytes, record.Logprob, alternatives, record.TextOffset, record.Alignment));
        }
        return read;
    }

    public void Release()
    {
        _tokens.Release();
        _alternatives.Release();
        _bytes.Release();
    }
}
