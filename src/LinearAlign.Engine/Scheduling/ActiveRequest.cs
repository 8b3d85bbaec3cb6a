using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// A request holding KV cache sequences: W (with the principle) and, when aligned, U (without), and W_i for each
/// further principle. Owned by the inference thread. Prefill submits each sequence's tokens but the last in chunks;
/// the last tokens of all go in together, so every sequence's logits are always from the same step. U and each W_i
/// copy the prefix they share with W from W's cells rather than computing it. The other choices of a comparison are requests
/// with a prompt source: they compute no prompt of their own, but take W's or U's whole prompt and first logits.
/// A preempted request keeps its sampler and text state and recomputes its cells when it resumes, so its stream goes
/// on exactly as if nothing had happened.
/// </summary>
internal sealed class ActiveRequest : IDisposable
{
    private readonly PendingRequest _pending;
    private SequenceCursor? _promptSource;
    private int _sharedCells;
    private int _cellsAtPrefillEnd;
    private readonly int[] _additionalLogitsIndices;

    /// <param name="additionalSequences">The sequences of the principles after the first, in order.</param>
    /// <param name="promptSource">
    /// For a comparison's other choice: the sequence of the linear alignment choice holding this choice's prompt. In
    /// the step that decodes its last prompt token, this request copies all of its cells and samples its first token
    /// from the same logits, so every choice starts in the same step and no prompt is computed twice.
    /// </param>
    /// <param name="prefixSource">A sequence whose first <paramref name="prefixLength"/> positions W copies rather than computes.</param>
    public ActiveRequest(
        PendingRequest pending,
        Admission admission,
        SequencePlacement placement,
        LlamaModel model,
        int[]? additionalSequences = null,
        SequenceCursor? promptSource = null,
        SequenceCursor? prefixSource = null,
        int prefixLength = 0)
    {
        _pending = pending;
        Admission = admission;
        _promptSource = promptSource;
        With = new SequenceCursor(placement.WithSequence, pending.PromptWith, pending.MaxNewTokens, placement.WithStart);
        if (prefixSource is not null)
        {
            With.CopyPrefixFrom(prefixSource, prefixLength);
        }
        if (pending.PromptWithout is not null)
        {
            Without = new SequenceCursor(placement.WithoutSequence, pending.PromptWithout, pending.MaxNewTokens, placement.WithoutStart);
            Without.CopyPrefixFrom(With, placement.CopyToWithout);
            _sharedCells = placement.CopyToWithout > 0 ? 0 : placement.SharedCells;
        }
        Additional = [.. pending.Additional.Select((principle, i) => AdditionalCursor(principle, additionalSequences![i]))];
        _additionalLogitsIndices = new int[Additional.Length];
        _cellsAtPrefillEnd = promptSource is not null ? 0
            : pending.PromptWith.Length - (prefixSource is null ? 0 : prefixLength)
                + (pending.PromptWithout?.Length ?? 0) - Math.Max(placement.CopyToWithout, placement.SharedCells)
                + pending.Additional.Sum(principle => principle.Prompt.Length - principle.SharedWithFirst);
        Sampler = new TokenSampler(
            pending.Request.Sampling, model.VocabularySize, aligned: Without is not null, model.EndOfGenerationTokens, pending.Request.TopLogprobs,
            model.Vocabulary, [.. pending.Additional.Select(principle => principle.StepSize)], diagnostics: pending.Request.AlignmentDiagnostics && Without is not null);
        Text = new OutputTextAssembler(new StopStringMatcher(pending.Request.Stop));
    }

    /// <summary>The admission this stream belongs to, with a comparison's other choices.</summary>
    public Admission Admission { get; }

    public SequenceCursor With { get; }

    public SequenceCursor? Without { get; }

    /// <summary>W_i for each principle after the first; empty with one principle or none.</summary>
    public SequenceCursor[] Additional { get; }

    public TokenSampler Sampler { get; }

    public OutputTextAssembler Text { get; }

    public GenerationStream Output => _pending.Output;

    public GenerationRequest Request => _pending.Request;

    public CancellationToken Cancellation => _pending.Cancellation;

    /// <summary>Leading positions of W and U (or a comparison choice's W) whose cells another sequence holds too.</summary>
    public int PairSharedCells => _sharedCells + With.CopiedCells + (Without?.CopiedCells ?? 0);

    /// <summary>Leading positions whose cells another sequence holds too: U's and each W_i's shared with W, or a comparison choice's prompt.</summary>
    public int SharedCells
    {
        get
        {
            var cells = PairSharedCells;
            foreach (var cursor in Additional)
            {
                cells += cursor.CopiedCells;
            }
            return cells;
        }
    }

    public int MaxNewTokens => _pending.MaxNewTokens;

    public float StepSize => _pending.StepSize;

    public AlignmentMode Mode => _pending.Mode;

    public bool Prefilling { get; private set; } = true;

    /// <summary>The stream ended (stop, length); its sequences stay until the rest of its admission ends.</summary>
    public bool Finished { get; set; }

    public int Generated { get; set; }

    public int LastToken { get; set; }

    /// <summary>Stopwatch timestamp of the first generated token; 0 before it.</summary>
    public long FirstTokenAt { get; set; }

    public long SubmittedAt => _pending.SubmittedAt;

    public bool IsAligned => Without is not null;

    /// <summary>KV cells holding this request's tokens now; a copied shared prefix occupies its cells once.</summary>
    public int CellsUsed
    {
        get
        {
            var cells = With.Length + (Without?.Length ?? 0) - SharedCells;
            foreach (var cursor in Additional)
            {
                cells += cursor.Length;
            }
            return cells;
        }
    }

    /// <summary>KV cells this request holds or will hold once its prefill is done: what must stay free for it.</summary>
    public int CellsCommitted => Math.Max(CellsUsed, _cellsAtPrefillEnd);

    public int SequenceCount => Without is null ? 1 : 2 + Additional.Length;

    /// <summary>Sequences that take a token in a step: those of a running stream, none while it prefills or after it ended.</summary>
    public int DecodingSequences => Prefilling || Finished ? 0 : SequenceCount;

    public bool HasLogits => With.LogitsIndex >= 0;

    /// <summary>Adds this step's next token of each sequence (a running stream) with logits wanted.</summary>
    public void SubmitNextToken(LlamaBatchHandle batch)
    {
        With.Submit(batch, LastToken, wantLogits: true);
        Without?.Submit(batch, LastToken, wantLogits: true);
        foreach (var cursor in Additional)
        {
            cursor.Submit(batch, LastToken, wantLogits: true);
        }
    }

    /// <summary>Adds as much prefill as <paramref name="budget"/> allows, never splitting the pair of last tokens.</summary>
    public void SubmitPrefill(LlamaBatchHandle batch, nint memory, ref int budget)
    {
        if (_promptSource is not null || !With.TryCopyPrefix(memory))
        {
            return;
        }
        var fromWith = Math.Min(budget, With.BodyRemaining);
        With.SubmitBody(batch, fromWith);
        budget -= fromWith;

        // U and each W_i wait for the prefix they share with W to be in W's cells, and then take the same cells
        // instead of computing them again.
        var bodiesDone = With.BodyRemaining == 0;
        if (Without is not null)
        {
            bodiesDone &= SubmitBodyAfterPrefix(Without, batch, memory, ref budget);
            foreach (var cursor in Additional)
            {
                bodiesDone &= SubmitBodyAfterPrefix(cursor, batch, memory, ref budget);
            }
        }
        if (bodiesDone && budget >= SequenceCount)
        {
            With.SubmitLastPrefillToken(batch);
            Without?.SubmitLastPrefillToken(batch);
            foreach (var cursor in Additional)
            {
                cursor.SubmitLastPrefillToken(batch);
            }
            budget -= SequenceCount;
            Prefilling = false;
        }
    }

    /// <summary>Submits what budget allows of a sequence's prefill once its prefix is copied; true when its body is all in.</summary>
    private static bool SubmitBodyAfterPrefix(SequenceCursor cursor, LlamaBatchHandle batch, nint memory, ref int budget)
    {
        if (!cursor.TryCopyPrefix(memory))
        {
            return false;
        }
        var count = Math.Min(budget, cursor.BodyRemaining);
        cursor.SubmitBody(batch, count);
        budget -= count;
        return cursor.BodyRemaining == 0;
    }

    /// <summary>
    /// Records that the step's batch was decoded. A comparison choice whose prompt source just got its first logits
    /// takes over the source's cells and logits now, before any sampling in this step moves them on.
    /// </summary>
    public void Decoded(nint memory)
    {
        With.MarkDecoded();
        Without?.MarkDecoded();
        foreach (var cursor in Additional)
        {
            cursor.MarkDecoded();
        }
        if (_promptSource is not { LogitsIndex: >= 0 } source)
        {
            return;
        }
        LlamaApi.MemorySequenceCopy(memory, source.SequenceId, With.SequenceId, 0, -1);
        With.FilledTo(With.Prompt.Length);
        With.LogitsIndex = source.LogitsIndex;
        _sharedCells = With.Prompt.Length;
        _promptSource = null;
        Prefilling = false;
    }

    /// <summary>
    /// A preemption took the request's cells: each sequence will recompute what it held, plus the token sampled last,
    /// whose logits the next sample needs. Sampler, penalty and text state are kept, so that once resumed the stream
    /// continues exactly where it was.
    /// </summary>
    /// <param name="sharedPrefix">Leading positions U copies from W rather than computing.</param>
    /// <param name="prefixSource">
    /// Another stream's sequence of the same admission whose first <paramref name="prefixLength"/> positions hold the
    /// same tokens as W's (a comparison choice's prompt, or part of it): W copies them instead of computing them.
    /// </param>
    public void Preempted(int sharedPrefix, SequenceCursor? prefixSource, int prefixLength)
    {
        int? nextToken = Generated > 0 ? LastToken : null;
        With.Restart(nextToken);
        Without?.Restart(nextToken);
        Without?.CopyPrefixFrom(With, sharedPrefix);
        for (var i = 0; i < Additional.Length; i++)
        {
            Additional[i].Restart(nextToken);
            Additional[i].CopyPrefixFrom(With, _pending.Additional[i].SharedWithFirst);
        }
        _sharedCells = 0;
        Prefilling = true;
        if (_promptSource is not null)
        {
            // A choice that had not started starts as it would have: with its source's first logits.
            _cellsAtPrefillEnd = 0;
            return;
        }
        var copied = prefixSource is null ? 0 : prefixLength;
        if (prefixSource is not null)
        {
            With.CopyPrefixFrom(prefixSource, copied);
        }
        _cellsAtPrefillEnd = With.PrefillEnd + (Without?.PrefillEnd ?? 0) - (Without is null ? copied : sharedPrefix);
        for (var i = 0; i < Additional.Length; i++)
        {
            _cellsAtPrefillEnd += Additional[i].PrefillEnd - _pending.Additional[i].SharedWithFirst;
        }
    }

    /// <summary>The sequence of principle <paramref name="index"/> (0 for W, i for the (i+1)-th), or U for −1.</summary>
    public SequenceCursor PrincipleCursor(int index) => index switch
    {
        -1 => Without!,
        0 => With,
        _ => Additional[index - 1],
    };

    /// <summary>Every sequence this request holds: W, U, then each W_i.</summary>
    public IEnumerable<SequenceCursor> Cursors => Without is null ? [With] : [With, Without, .. Additional];

    /// <summary>Puts a preempted request on the sequences it resumes on, taken from <paramref name="free"/>.</summary>
    public void Place(Stack<int> free)
    {
        foreach (var cursor in Cursors)
        {
            cursor.SequenceId = free.Pop();
        }
    }

    public int Sample(SafeLlamaContextHandle context)
    {
        var token = Without is null
            ? Sampler.SamplePlain(context, With.LogitsIndex, Request.LogitsObserver)
            : Sampler.SampleAligned(context, With.LogitsIndex, Without.LogitsIndex, AdditionalLogitsIndices(), StepSize, Mode, Request.LogitsObserver);
        With.LogitsIndex = -1;
        if (Without is not null)
        {
            Without.LogitsIndex = -1;
        }
        foreach (var cursor in Additional)
        {
            cursor.LogitsIndex = -1;
        }
        return token;
    }

    /// <summary>Gives back the sampler and text buffers; the sequences go to the prompt cache or are removed by the scheduler.</summary>
    private ReadOnlySpan<int> AdditionalLogitsIndices()
    {
        for (var i = 0; i < Additional.Length; i++)
        {
            _additionalLogitsIndices[i] = Additional[i].LogitsIndex;
        }
        return _additionalLogitsIndices;
    }

    private SequenceCursor AdditionalCursor(AdditionalPrinciple principle, int sequence)
    {
        var cursor = new SequenceCursor(sequence, principle.Prompt, _pending.MaxNewTokens, startLength: 0);
        cursor.CopyPrefixFrom(With, principle.SharedWithFirst);
        return cursor;
    }

    public void Dispose()
    {
        Sampler.Dispose();
        Text.Dispose();
    }
}
