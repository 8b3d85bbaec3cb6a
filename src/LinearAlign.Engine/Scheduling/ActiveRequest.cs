using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// A request holding KV cache sequences: W (with the principle) and, when aligned, U (without). Owned by the
/// inference thread. Prefill submits each prompt but its last token in chunks; the last tokens of W and U go in
/// together, so both sequences' logits are always from the same step. The other choices of a comparison are requests
/// with a prompt source: they compute no prompt of their own, but take W's or U's whole prompt and first logits.
/// </summary>
internal sealed class ActiveRequest : IDisposable
{
    private readonly PendingRequest _pending;
    private int _copyToWithout;
    private int _decodedWith;
    private SequenceCursor? _promptSource;

    /// <param name="promptSource">
    /// For a comparison's other choice: the sequence of the linear alignment choice holding this choice's prompt. In
    /// the step that decodes its last prompt token, this request copies all of its cells and samples its first token
    /// from the same logits, so every choice starts in the same step and no prompt is computed twice.
    /// </param>
    public ActiveRequest(
        PendingRequest pending, SequencePlacement placement, LlamaModel model, CellReservation reservation, SequenceCursor? promptSource = null)
    {
        _pending = pending;
        _promptSource = promptSource;
        Reservation = reservation;
        With = new SequenceCursor(placement.WithSequence, pending.PromptWith, pending.MaxNewTokens, placement.WithStart);
        _decodedWith = placement.WithStart;
        if (pending.PromptWithout is not null)
        {
            Without = new SequenceCursor(placement.WithoutSequence, pending.PromptWithout, pending.MaxNewTokens, placement.WithoutStart);
            _copyToWithout = placement.CopyToWithout;
            SharedCells = placement.CopyToWithout > 0 ? 0 : placement.SharedCells;
        }
        Sampler = new TokenSampler(pending.Request.Sampling, model.VocabularySize, aligned: Without is not null, model.EndOfGenerationTokens);
        Text = new OutputTextAssembler(new StopStringMatcher(pending.Request.Stop));
    }

    public SequenceCursor With { get; }

    public SequenceCursor? Without { get; }

    public TokenSampler Sampler { get; }

    public OutputTextAssembler Text { get; }

    public GenerationStream Output => _pending.Output;

    public GenerationRequest Request => _pending.Request;

    public CancellationToken Cancellation => _pending.Cancellation;

    /// <summary>KV cells set aside for this request: its prompts and max_tokens for each sequence, shared cells once.</summary>
    public CellReservation Reservation { get; }

    /// <summary>Leading positions whose cells another sequence holds too: U's shared with W, or a comparison choice's prompt.</summary>
    public int SharedCells { get; private set; }

    public int MaxNewTokens => _pending.MaxNewTokens;

    public float StepSize => _pending.StepSize;

    public AlignmentMode Mode => _pending.Mode;

    public bool Prefilling { get; private set; } = true;

    public int Generated { get; set; }

    public int LastToken { get; set; }

    /// <summary>Stopwatch timestamp of the first generated token; 0 before it.</summary>
    public long FirstTokenAt { get; set; }

    public long SubmittedAt => _pending.SubmittedAt;

    public bool IsAligned => Without is not null;

    /// <summary>KV cells holding this request's tokens now; a copied shared prefix occupies its cells once.</summary>
    public int CellsUsed => With.Length + (Without?.Length ?? 0) - SharedCells;

    public int SequenceCount => Without is null ? 1 : 2;

    public bool HasLogits => With.LogitsIndex >= 0;

    /// <summary>Adds this step's next token of each sequence (a running stream) with logits wanted.</summary>
    public void SubmitNextToken(LlamaBatchHandle batch)
    {
        With.Submit(batch, LastToken, wantLogits: true);
        Without?.Submit(batch, LastToken, wantLogits: true);
    }

    /// <summary>Adds as much prompt as <paramref name="budget"/> allows, never splitting the pair of last tokens.</summary>
    public void SubmitPrefill(LlamaBatchHandle batch, nint memory, ref int budget)
    {
        if (_promptSource is not null)
        {
            return;
        }
        var fromWith = Math.Min(budget, With.BodyRemaining);
        With.SubmitBody(batch, fromWith);
        budget -= fromWith;

        if (Without is not null)
        {
            if (_copyToWithout > 0 && _decodedWith >= _copyToWithout)
            {
                // The shared prefix is in W's cells now; U gets the same cells instead of computing them again.
                LlamaApi.MemorySequenceCopy(memory, With.SequenceId, Without.SequenceId, 0, _copyToWithout);
                Without.FilledTo(_copyToWithout);
                SharedCells = _copyToWithout;
                _copyToWithout = 0;
            }
            if (_copyToWithout > 0)
            {
                return;
            }
            var fromWithout = Math.Min(budget, Without.BodyRemaining);
            Without.SubmitBody(batch, fromWithout);
            budget -= fromWithout;
        }

        var bodiesDone = With.BodyRemaining == 0 && (Without is null || Without.BodyRemaining == 0);
        if (bodiesDone && budget >= SequenceCount)
        {
            With.SubmitLastPromptToken(batch);
            Without?.SubmitLastPromptToken(batch);
            budget -= SequenceCount;
            Prefilling = false;
        }
    }

    /// <summary>
    /// Records that the step's batch was decoded. A comparison choice whose prompt source just got its first logits
    /// takes over the source's cells and logits now, before any sampling in this step moves them on.
    /// </summary>
    public void Decoded(nint memory)
    {
        _decodedWith = With.Length;
        if (_promptSource is not { LogitsIndex: >= 0 } source)
        {
            return;
        }
        LlamaApi.MemorySequenceCopy(memory, source.SequenceId, With.SequenceId, 0, -1);
        With.FilledTo(With.Prompt.Length);
        With.LogitsIndex = source.LogitsIndex;
        SharedCells = With.Prompt.Length;
        _promptSource = null;
        Prefilling = false;
    }

    public int Sample(SafeLlamaContextHandle context)
    {
        var token = Without is null
            ? Sampler.SamplePlain(context, With.LogitsIndex, Request.LogitsObserver)
            : Sampler.SampleAligned(context, With.LogitsIndex, Without.LogitsIndex, StepSize, Mode, Request.LogitsObserver);
        With.LogitsIndex = -1;
        if (Without is not null)
        {
            Without.LogitsIndex = -1;
        }
        return token;
    }

    /// <summary>Gives back the sampler and text buffers; the sequences go to the prompt cache or are removed by the scheduler.</summary>
    public void Dispose()
    {
        Sampler.Dispose();
        Text.Dispose();
    }
}
