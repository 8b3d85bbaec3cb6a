using System.Buffers;
using LinearAlign.Native.Handles;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// One KV cache sequence of a request: its prompt, the tokens its cells hold (prompt, then generated tokens) and where
/// its logits are. The token record is what the prompt cache matches later requests against; it is rented for the
/// request's lifetime (prompt plus max_tokens), so appending a token never allocates.
/// </summary>
internal sealed class SequenceCursor : IDisposable
{
    private int[] _tokens;

    /// <param name="startLength">Positions already in the cache (reused from an earlier request or shared); the prompt agrees with them.</param>
    public SequenceCursor(int sequenceId, int[] prompt, int maxNewTokens, int startLength)
    {
        SequenceId = sequenceId;
        Prompt = prompt;
        _tokens = ArrayPool<int>.Shared.Rent(prompt.Length + maxNewTokens);
        prompt.CopyTo(_tokens, 0);
        Length = startLength;
    }

    public int SequenceId { get; }

    public int[] Prompt { get; }

    /// <summary>Positions filled (or submitted in the batch being built); the next token goes at this position.</summary>
    public int Length { get; private set; }

    /// <summary>The tokens at positions 0 to <see cref="Length"/> − 1.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Length);

    /// <summary>Prompt tokens other than the last one still to submit.</summary>
    public int BodyRemaining => Math.Max(0, Prompt.Length - 1 - Length);

    /// <summary>Batch index of this sequence's logits in the current step; -1 when it has none.</summary>
    public int LogitsIndex { get; set; } = -1;

    /// <summary>Records that positions up to <paramref name="length"/> were filled outside a batch (a cell copy).</summary>
    public void FilledTo(int length) => Length = Math.Max(Length, length);

    public void SubmitBody(LlamaBatchHandle batch, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Submit(batch, Prompt[Length], wantLogits: false);
        }
    }

    public void SubmitLastPromptToken(LlamaBatchHandle batch) => Submit(batch, Prompt[^1], wantLogits: true);

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
