using System.Buffers;
using System.Text;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Generation;

/// <summary>A token's text as the model's vocabulary gives it; the returned bytes are valid until the next call.</summary>
internal delegate ReadOnlySpan<byte> TokenPiece(int token);

/// <summary>
/// A stream's log-probabilities, written by the inference thread as tokens are sampled and read as
/// <see cref="TokenLogprob"/>s by the stream's reader. The inference thread only copies numbers and token bytes into
/// pooled buffers, grown by doubling, so a token allocates nothing there; the records are made on the reader's side.
/// The owner serialises access.
/// </summary>
internal sealed class TokenLogprobBuffer
{
    // Shared pools rather than ArrayPool<T>.Shared, whose per-thread caches the inference thread would never see
    // returns into (the reader's thread returns the buffers): see GenerationStream's text pool.
    private static readonly ArrayPool<TokenRecord> TokenPool = ArrayPool<TokenRecord>.Create();
    private static readonly ArrayPool<AlternativeRecord> AlternativePool = ArrayPool<AlternativeRecord>.Create();
    private static readonly ArrayPool<byte> BytePool = ArrayPool<byte>.Create();

    private TokenRecord[] _tokens = TokenPool.Rent(64);
    private AlternativeRecord[] _alternatives = AlternativePool.Rent(64);
    private byte[] _bytes = BytePool.Rent(1024);
    private int _tokenCount;
    private int _alternativeCount;
    private int _byteCount;

    private readonly record struct ByteRange(int Start, int Length);

    private readonly record struct TokenRecord(
        int TextOffset, ByteRange Bytes, float Logprob, PrincipleLogprobs? Alignment, int FirstAlternative, int Alternatives);

    private readonly record struct AlternativeRecord(ByteRange Bytes, float Logprob);

    /// <summary>Records the token just sampled with the sampler's log-probabilities for it.</summary>
    /// <param name="textOffset">Where the token's text starts in the stream's text, in chars.</param>
    public void Add(int textOffset, int token, TokenSampler sampler, TokenPiece piece)
    {
        var logprobs = sampler.Logprobs!;
        var top = logprobs.TopTokens;
        Grow(TokenPool, ref _tokens, _tokenCount + 1);
        Grow(AlternativePool, ref _alternatives, _alternativeCount + top.Length);
        var first = _alternativeCount;
        for (var rank = 0; rank < top.Length; rank++)
        {
            _alternatives[_alternativeCount++] = new AlternativeRecord(Store(piece(top[rank])), logprobs.TopLogprob(rank));
        }
        _tokens[_tokenCount++] = new TokenRecord(textOffset, Store(piece(token)), sampler.LastLogprob, sampler.LastPrincipleLogprobs, first, top.Length);
    }

    /// <summary>The tokens from <paramref name="from"/> on whose text starts before <paramref name="textLength"/>, as records.</summary>
    public List<TokenLogprob> Read(int from, int textLength)
    {
        var read = new List<TokenLogprob>();
        for (var i = from; i < _tokenCount && _tokens[i].TextOffset < textLength; i++)
        {
            var record = _tokens[i];
            var alternatives = new TopLogprob[record.Alternatives];
            for (var rank = 0; rank < alternatives.Length; rank++)
            {
                var alternative = _alternatives[record.FirstAlternative + rank];
                var bytes = BytesOf(alternative.Bytes);
                alternatives[rank] = new TopLogprob(Encoding.UTF8.GetString(bytes), bytes, alternative.Logprob);
            }
            var tokenBytes = BytesOf(record.Bytes);
            read.Add(new TokenLogprob(Encoding.UTF8.GetString(tokenBytes), tokenBytes, record.Logprob, alternatives, record.TextOffset, record.Alignment));
        }
        return read;
    }

    /// <summary>Gives the buffers back; nothing may be added or read afterwards.</summary>
    public void Release()
    {
        TokenPool.Return(_tokens);
        AlternativePool.Return(_alternatives);
        BytePool.Return(_bytes);
        _tokens = [];
        _alternatives = [];
        _bytes = [];
    }

    private byte[] BytesOf(ByteRange range) => _bytes.AsSpan(range.Start, range.Length).ToArray();

    private ByteRange Store(ReadOnlySpan<byte> bytes)
    {
        Grow(BytePool, ref _bytes, _byteCount + bytes.Length);
        bytes.CopyTo(_bytes.AsSpan(_byteCount));
        var range = new ByteRange(_byteCount, bytes.Length);
        _byteCount += bytes.Length;
        return range;
    }

    private static void Grow<T>(ArrayPool<T> pool, ref T[] buffer, int needed)
    {
        if (needed <= buffer.Length)
        {
            return;
        }
        var larger = pool.Rent(Math.Max(buffer.Length * 2, needed));
        buffer.AsSpan().CopyTo(larger);
        pool.Return(buffer);
        buffer = larger;
    }
}
