using System.Buffers;
using System.Text;
using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Text;

/// <summary>
/// Turns a stream's token bytes into text for the client: a multi-byte character split across tokens is held
/// until complete, and text that may begin a stop string is held until it is known not to, so neither a broken
/// character nor any part of a stop string is ever emitted. Buffers are reused, so a token allocates nothing.
/// </summary>
internal sealed class OutputTextAssembler : IDisposable
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly StopStringMatcher _stops;
    private char[] _pending = ArrayPool<char>.Shared.Rent(256);
    private int _pendingLength;

    public OutputTextAssembler(StopStringMatcher stops) => _stops = stops;

    /// <summary>The chars decoded so far, emitted or held back: where the next token's text starts.</summary>
    public int DecodedChars { get; private set; }

    /// <summary>Adds one token's bytes; returns true when a stop string completed (the text before it has been emitted).</summary>
    public bool Add(ReadOnlySpan<byte> tokenBytes, GenerationStream output)
    {
        EnsureRoom(_decoder.GetCharCount(tokenBytes, flush: false));
        var decoded = _decoder.GetChars(tokenBytes, _pending.AsSpan(_pendingLength), flush: false);
        _pendingLength += decoded;
        DecodedChars += decoded;
        var pending = _pending.AsSpan(0, _pendingLength);

        var stopAt = _stops.IndexOfStop(pending);
        if (stopAt >= 0)
        {
            output.Append(pending[..stopAt], tokens: 1);
            _pendingLength = 0;
            return true;
        }

        var releasable = _pendingLength - _stops.PartialSuffixLength(pending);
        output.Append(pending[..releasable], tokens: 1);
        pending[releasable..].CopyTo(_pending);
        _pendingLength -= releasable;
        return false;
    }

    /// <summary>Emits whatever was held back, at the end of a stream that did not stop on a stop string.</summary>
    public void Flush(GenerationStream output)
    {
        EnsureRoom(_decoder.GetCharCount([], flush: true));
        _pendingLength += _decoder.GetChars([], _pending.AsSpan(_pendingLength), flush: true);
        output.Append(_pending.AsSpan(0, _pendingLength), tokens: 0);
        _pendingLength = 0;
    }

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_pending);
        _pending = [];
    }

    private void EnsureRoom(int extra)
    {
        if (_pendingLength + extra <= _pending.Length)
        {
            return;
        }
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_pending.Length * 2, _pendingLength + extra));
        _pending.AsSpan(0, _pendingLength).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_pending);
        _pending = larger;
    }
}
