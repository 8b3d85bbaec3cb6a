using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;

namespace LinearAlign.Native.Handles;

/// <summary>
/// A llama_batch allocated by llama_batch_init, with one sequence id per token. The struct is passed to
/// llama_decode by value, so the handle keeps it and exposes typed writers for its arrays.
/// </summary>
public sealed unsafe class LlamaBatchHandle : SafeHandle
{
    private LlamaBatch _batch;

    public LlamaBatchHandle(int capacity) : base(0, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _batch = LlamaApi.BatchInit(capacity, embeddingLength: 0, maxSequencesPerToken: 1);
        if (_batch.Tokens == null)
        {
            throw new OutOfMemoryException($"llama_batch_init could not allocate a batch of {capacity} tokens.");
        }
        SetHandle((nint)_batch.Tokens);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _batch.TokenCount;

    public override bool IsInvalid => handle == 0;

    public LlamaBatch Batch => _batch;

    public void Clear() => _batch.TokenCount = 0;

    /// <summary>Appends a token and returns its index in the batch (the index of its logits when <paramref name="wantLogits"/>).</summary>
    public int Add(int token, int position, int sequence, bool wantLogits)
    {
        var i = _batch.TokenCount;
        if (i >= Capacity)
        {
            throw new InvalidOperationException($"The batch is full ({Capacity} tokens).");
        }
        _batch.Tokens[i] = token;
        _batch.Positions[i] = position;
        _batch.SequenceIdCounts[i] = 1;
        _batch.SequenceIds[i][0] = sequence;
        _batch.Outputs[i] = wantLogits ? (sbyte)1 : (sbyte)0;
        _batch.TokenCount = i + 1;
        return i;
    }

    protected override bool ReleaseHandle()
    {
        LlamaApi.BatchFree(_batch);
        return true;
    }
}
