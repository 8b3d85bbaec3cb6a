using System.Buffers;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// One KV cache sequence of a request: its prompt, the tokens its cells hold (prompt, then generated tokens) and where
/// its logits are. The token record is what the prompt cache matches later requests against, and what a preempted
/// request recomputes its cells from; it is rented for the request's lifetime (prompt plus max_tokens), so appending a
/// token never allocates.
/// </summary>
internal sealed class SequenceCursor : IDisposable
{
    private int[] _tokens;
    private SequenceCursor? _copySource;
    private int _copyLength;

    /// <param name="startLength">Positions already in the cache (reused from an earlier request or shared); the prompt agrees with them.</param>
    public SequenceCursor(int sequenceId, int[] prompt, int maxNewTokens, int startLength)
    {
        SequenceId = sequenceId;
        Prompt = prompt;
        _tokens = ArrayPool<int>.Shared.Rent(prompt.Length + maxNewTokens);
        prompt.CopyTo(_tokens, 0);
        Length = startLength;
        Decoded = startLength;
        PrefillEnd = prompt.Length;
    }

    /// <summary>The KV cache sequence; a preempted request gets a new one when it resumes.</summary>
    public int SequenceId { get; set; }

    public int[] Prompt { get; }

    /// <summary>Positions filled (or submitted in the batch being built); the next token goes at this position.</summary>
    public int Length { get; private set; }

    /// <summary>Positions whose cells hold decoded keys and values, which another sequence may copy.</summary>
    public int Decoded { get; private set; }

    /// <summary>
    /// Positions filled once prefill is done, its last token decoded with logits: the prompt, or after a preemption
    /// every position it held plus the token sampled last, whose logits continue the stream.
    /// </summary>
    public int PrefillEnd { get; private set; }

    /// <summary>Leading positions this sequence holds in the same cells as its copy source.</summary>
    public int CopiedCells { get; private set; }

    /// <summary>The tokens at positions 0 to <see cref="Length"/> − 1.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Length);

    /// <summary>Prefill tokens other than the last one still to submit.</summary>
    public int BodyRemaining => Math.Max(0, PrefillEnd - 1 - Length);

    /// <summary>Batch index of this sequence's logits in the current step; -1 when it has none.</summary>
    public int LogitsIndex { get; set; } = -1;

    /// <summary>Records that positions up to <paramref name="length"/> were filled outside a batch (a cell copy).</summary>
    public void FilledTo(int length)
    {
        Length = Math.Max(Length, length);
        Decoded = Math.Max(Decoded, length);
    }

    /// <summary>The step's batch was decoded: every submitted position now has its cells.</summary>
    public void MarkDecoded() => Decoded = Length;

    /// <summary>The first <paramref name="length"/> positions will be copied from <paramref name="source"/>'s cells, not computed.</summary>
    public void CopyPrefixFrom(SequenceCursor source, int length)
    {
        _copySource = length > 0 ? source : null;
        _copyLength = length;
    }

    /// <summary>
    /// Makes the copy <see cref="CopyPrefixFrom"/> asked for once the source has decoded those positions; true when no
    /// copy is left to wait for.
    /// </summary>
    public bool TryCopyPrefix(nint memory)
    {
        if (_copySource is null)
        {
            return true;
        }
        if (_copySource.Decoded < _copyLength)
        {
            return false;
        }
        LlamaApi.MemorySequenceCopy(memory, _copySource.SequenceId, SequenceId, 0, _copyLength);
        FilledTo(_copyLength);
        CopiedCells = _copyLength;
        _copySource = null;
        _copyLength = 0;
        return true;
    }

    /// <summary>
    /// Starts the sequence over, its cells gone (a preemption): prefill will refill every position it held and then
    /// <paramref name="nextToken"/>, sampled but not yet decoded; without one (nothing sampled yet) it refills the prompt.
    /// </summary>
    public void Restart(int? nextToken)
    {
        if (nextToken is { } token)
        {
            _tokens[Length] = token;
            PrefillEnd = Length + 1;
        }
        Length = 0;
        Decoded = 0;
        CopiedCells = 0;
        LogitsIndex = -1;
        _copySource = null;
        _copyLength = 0;
    }

    public void SubmitBody(LlamaBatchHandle batch, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Submit(batch, _tokens[Length], wantLogits: false);
        }
    }

    public void SubmitLastPrefillToken(LlamaBatchHandle batch) => Submit(batch, _tokens[PrefillEnd - 1], wantLogits: true);

    public void Submit(LlamaBatchHandle batch, int token, bool wantLogits)
    {
        var index = batch.Add(token, Length, SequenceId, wantLogits);
        if (wantLogits)
        {
            LogitsIndex = index;
        }
        _tokens[Length++] = token;
    }

    public void Dispose()
    {
        if (_tokens.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_tokens);
            _tokens = [];
            Length = 0;
        }
    }
}
