using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Scheduling;

/// <summary>A validated, tokenized request waiting for sequences and KV cells.</summary>
/// <param name="PromptCells">KV cells its prompts take, the prefix W and U share counted once.</param>
/// <param name="Comparison">For a comparison, the outputs of the choices decoded beside the linear alignment one.</param>
internal sealed record PendingRequest(
    GenerationRequest Request,
    int[] PromptWith,
    int[]? PromptWithout,
    int SharedPrefix,
    float StepSize,
    AlignmentMode Mode,
    int MaxNewTokens,
    int PromptCells,
    GenerationStream Output,
    CancellationToken Cancellation,
    long SubmittedAt,
    ComparisonOutputs? Comparison = null)
{
    /// <summary>Sequences the request holds while it runs: W, U, and for a comparison one more for each other choice.</summary>
    public int SequenceCount => PromptWithout is null ? 1 : Comparison is null ? 2 : 4;

    /// <summary>
    /// Cells the request holds once it has generated max_tokens on every sequence, when its prompts take
    /// <paramref name="promptCells"/>: no more than the context, so that alone it always runs to the end.
    /// </summary>
    public int CellsAtMaxTokens(int promptCells) => promptCells + SequenceCount * MaxNewTokens;

    /// <summary>Every stream this request writes: its own, then the comparison's other choices in choice order.</summary>
    public IEnumerable<GenerationStream> Outputs => Comparison is null ? [Output] : [Output, Comparison.PrincipleInPrompt, Comparison.Base];
}

/// <summary>
/// The streams of a comparison's choices besides linear alignment: the principle in the prompt only (W's logits,
/// step 0) and the base model (U's logits).
/// </summary>
internal sealed record ComparisonOutputs(GenerationStream PrincipleInPrompt, GenerationStream Base)
{
    public const int OtherChoices = 2;
}
