using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Scheduling;

/// <summary>A validated, tokenized request waiting for sequences and KV cells.</summary>
internal sealed record PendingRequest(
    GenerationRequest Request,
    int[] PromptWith,
    int[]? PromptWithout,
    int SharedPrefix,
    float StepSize,
    AlignmentMode Mode,
    int MaxNewTokens,
    int ReservedCells,
    GenerationStream Output,
    CancellationToken Cancellation,
    long SubmittedAt)
{
    public int SequenceCount => PromptWithout is null ? 1 : 2;
}
