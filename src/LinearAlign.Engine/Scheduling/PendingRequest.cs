using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Scheduling;

/// <summary>A validated, tokenized request waiting for sequences and KV cells.</summary>
/// <param name="PromptWith">W: the dialog with the (first) principle, or the plain prompt.</param>
/// <param name="StepSize">The first principle's step.</param>
/// <param name="PromptCells">KV cells its prompts take, the prefixes the sequences share counted once.</param>
/// <param name="Comparison">For a comparison, the outputs of the choices decoded beside the linear alignment one.</param>
/// <param name="AdditionalPrinciples">The principles after the first of a request with several: one more sequence each.</param>
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
    ComparisonOutputs? Comparison = null,
    AdditionalPrinciple[]? AdditionalPrinciples = null)
{
    public AdditionalPrinciple[] Additional => AdditionalPrinciples ?? [];

    /// <summary>
    /// Sequences the request holds while it runs: W (with each principle), U, and for a comparison one more for each
    /// other choice.
    /// </summary>
    public int SequenceCount => PromptWithout is null ? 1 : 2 + Additional.Length + (Comparison is null ? 0 : ComparisonOutputs.OtherChoices);

    /// <summary>
    /// Cells the request holds once it has generated max_tokens on every sequence, when its prompts take
    /// <paramref name="promptCells"/>: no more than the context, so that alone it always runs to the end.
    /// </summary>
    public int CellsAtMaxTokens(int promptCells) => promptCells + SequenceCount * MaxNewTokens;

    /// <summary>Every stream this request writes: its own, then the comparison's other choices in choice order.</summary>
    public IEnumerable<GenerationStream> Outputs => Comparison is null ? [Output] : [Output, Comparison.PrincipleInPrompt, Comparison.Base];
}

/// <summary>A principle after the first: its dialog W_i, the prefix it shares with W_1's (copied, not computed) and its step.</summary>
internal sealed record AdditionalPrinciple(int[] Prompt, int SharedWithFirst, float StepSize);

/// <summary>
/// The streams of a comparison's choices besides linear alignment: the principles in the prompt only (step 0) and the
/// base model (U's logits). With one principle the first decodes W's prompt, whose cells it takes from W; with several,
/// the dialog with the principles steered toward in one system message (<see cref="PrincipleInPromptSource"/>).
/// </summary>
/// <param name="PrincipleInPromptSource">
/// Which of the linear alignment stream's sequences holds choice 1's whole prompt: 0 for W_1, i for the (i+1)-th
/// principle's, −1 for U (no principle is steered toward); null when none does and choice 1 computes
/// <paramref name="PrincipleInPromptTokens"/> itself, copying its first <paramref name="PrincipleInPromptShared"/>
/// positions from W_1.
/// </param>
/// <param name="BaseSharedWithPrincipleInPrompt">Leading tokens U's prompt and choice 1's have in common.</param>
internal sealed record ComparisonOutputs(
    GenerationStream PrincipleInPrompt,
    GenerationStream Base,
    int[] PrincipleInPromptTokens,
    int? PrincipleInPromptSource,
    int PrincipleInPromptShared,
    int BaseSharedWithPrincipleInPrompt)
{
    public const int OtherChoices = 2;

    /// <summary>KV cells choice 1's prompt takes of its own: none when a sequence of the linear alignment stream holds it.</summary>
    public int OwnPromptCells => PrincipleInPromptSource is null ? PrincipleInPromptTokens.Length - PrincipleInPromptShared : 0;
}
