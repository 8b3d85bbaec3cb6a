using LinearAlign.Native.Handles;

namespace LinearAlign.Engine.Scheduling;

/// <summary>One KV cache sequence of a request: its prompt, how many positions it fills, and where its logits are.</summary>
internal sealed class SequenceCursor(int sequenceId, int[] prompt, int cachedPrefix)
{
    public int SequenceId { get; } = sequenceId;

    public int[] Prompt { get; } = prompt;

    /// <summary>Positions filled (or submitted in the batch being built); the next token goes at this position.</summary>
    public int Length { get; private set; } = cachedPrefix;

    /// <summary>Prompt tokens other than the last one still to submit.</summary>
    public int BodyRemaining => Math.Max(0, Prompt.Length - 1 - Length);

    /// <summary>Batch index of this sequence's logits in the current step; -1 when it has none.</summary>
    public int LogitsIndex { get; set; } = -1;

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
        Length++;
    }
}
