using System.Diagnostics;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// The inference thread's loop. Each step builds one batch with the next token of every running stream (W and U of
/// aligned ones) and then prefill chunks of admitted requests within the batch size, decodes it once, and samples
/// every stream that has logits. Requests are admitted first come, first served, when sequences and KV cells for
/// their prompts and a little headroom are free; their cells then grow a token per step. When a step's tokens do not
/// fit, the latest arrival among the running requests is preempted: its cells are freed, and it waits at the head of
/// the queue to resume by recomputing them, with its sampling state kept (vLLM's recompute preemption). Finished and
/// cancelled requests leave their sequences to the prompt cache, which gives them up to later requests; failed ones
/// leave the cache. A comparison is admitted as one request on four sequences and runs as three, which share its
/// prompt cells.
/// </summary>
internal sealed class BatchScheduler(
    WorkQueue queue,
    LlamaModel model,
    SafeLlamaContextHandle context,
    LlamaBatchHandle batch,
    int contextSize,
    EngineOptions options,
    EngineMetrics metrics,
    ILogger logger)
{
    private readonly nint _memory = LlamaApi.GetMemory(context);
    private readonly List<ActiveRequest> _active = new(options.MaxSequences);
    private readonly List<Admission> _running = new(options.MaxSequences);
    private readonly Queue<PendingRequest> _waiting = new();
    // Ordered by arrival: the earliest resumes first, before anything waiting is admitted.
    private readonly List<Admission> _preempted = [];
    private readonly Stack<int> _freeSequences = new(Enumerable.Range(0, options.MaxSequences).Reverse());
    private readonly PromptCache _cache = new(LlamaApi.GetMemory(context));
    private readonly byte[] _pieceBuffer = new byte[256];
    // Made once: a method group converted at each call would allocate a delegate per token.
    private TokenPiece? _piece;
    private long _arrivals;

    /// <summary>Sequence ids held by running requests.</summary>
    public int[] RunningSequences() =>
        [.. _running.SelectMany(admission => admission.Streams).SelectMany(request => request.Cursors).Select(cursor => cursor.SequenceId)];

    /// <summary>Sequence ids the prompt cache holds.</summary>
    public int[] CachedSequences() => _cache.SequenceIds();

    public void Run(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (_active.Count == 0 && _waiting.Count == 0 && _preempted.Count == 0 && !queue.WaitForWork(stopping))
            {
                return;
            }
            queue.Drain(_waiting, context);
            DropCancelled();
            Admit();
            if (_active.Count > 0)
            {
                Step();
            }
            PublishOccupancy();
        }
    }

    /// <summary>Ends every running and waiting request with <paramref name="error"/>.</summary>
    public void FailAll(Exception error)
    {
        FailRunning(error);
        foreach (var admission in _preempted)
        {
            foreach (var stream in admission.Streams)
            {
                stream.Output.Fail(error);
                metrics.Ended(stream.IsAligned, RequestOutcome.Error, stream.SubmittedAt, stream.FirstTokenAt, stream.Generated);
                stream.Dispose();
            }
        }
        _preempted.Clear();
        queue.Drain(_waiting, context);
        while (_waiting.TryDequeue(out var pending))
        {
            queue.Left();
            foreach (var output in pending.Outputs)
            {
                output.Fail(error);
            }
            metrics.Ended(pending.PromptWithout is not null, RequestOutcome.Error, pending.SubmittedAt, firstTokenAt: 0, generated: 0);
        }
        PublishOccupancy();
    }

    private void DropCancelled()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var admission = _running[i];
            if (admission.Pending.Cancellation.IsCancellationRequested)
            {
                foreach (var stream in admission.Streams)
                {
                    if (!stream.Finished)
                    {
                        Finish(stream, FinishReason.Cancelled);
                    }
                }
            }
        }
        for (var i = _preempted.Count - 1; i >= 0; i--)
        {
            var admission = _preempted[i];
            if (admission.Pending.Cancellation.IsCancellationRequested)
            {
                _preempted.RemoveAt(i);
                foreach (var stream in admission.Streams)
                {
                    stream.Output.Complete(FinishReason.Cancelled);
                    metrics.Ended(stream.IsAligned, RequestOutcome.Cancelled, stream.SubmittedAt, stream.FirstTokenAt, stream.Generated);
                    stream.Dispose();
                }
            }
        }
        for (var remaining = _waiting.Count; remaining > 0; remaining--)
        {
            var pending = _waiting.Dequeue();
            if (pending.Cancellation.IsCancellationRequested)
            {
                queue.Left();
                foreach (var output in pending.Outputs)
                {
                    output.Complete(FinishReason.Cancelled);
                }
                metrics.Ended(pending.PromptWithout is not null, RequestOutcome.Cancelled, pending.SubmittedAt, firstTokenAt: 0, generated: 0);
            }
            else
            {
                _waiting.Enqueue(pending);
            }
        }
    }

    /// <summary>Resumes preempted requests, earliest arrival first, then admits waiting ones in order, while they fit.</summary>
    private void Admit()
    {
        while (_preempted.Count > 0)
        {
            if (!TryResume(_preempted[0]))
            {
                return;
            }
            _preempted.RemoveAt(0);
        }
        while (_waiting.TryPeek(out var pending) && TryAdmit(pending))
        {
            _waiting.Dequeue();
            queue.Left();
            metrics.QueueWait(pending.PromptWithout is not null, pending.SubmittedAt);
        }
    }

    /// <summary>KV cells running requests hold or will hold once prefilled.</summary>
    private int CellsCommitted()
    {
        var cells = 0;
        foreach (var admission in _running)
        {
            cells += admission.CellsCommitted;
        }
        return cells;
    }

    /// <summary>Sequences that take a token in the next step, each needing a free cell.</summary>
    private int DecodingSequences()
    {
        var sequences = 0;
        foreach (var admission in _running)
        {
            sequences += admission.DecodingSequences;
        }
        return sequences;
    }

    /// <summary>
    /// Whether an admission of <paramref name="sequences"/> sequences, whose prompts take <paramref name="promptCells"/>
    /// cells, fits now beside the running requests with its headroom and the cells their next step takes. Cached
    /// sequences do not count: the admission evicts them.
    /// </summary>
    private bool Fits(int sequences, int promptCells, int headroom) =>
        _freeSequences.Count + _cache.Sequences >= sequences
        && contextSize - CellsCommitted() - DecodingSequences() >= promptCells + headroom;

    /// <summary>
    /// Admits <paramref name="pending"/> if its sequences and cells can be had, taking over cached sequences that
    /// start like its prompts and evicting other cached ones as needed; false leaves the cache as it was.
    /// </summary>
    private bool TryAdmit(PendingRequest pending)
    {
        var plan = PlanReuse(pending);
        if (!Fits(pending.SequenceCount, plan.PromptCells, Admission.Headroom(pending.SequenceCount, pending.MaxNewTokens, options.AdmissionHeadroom)))
        {
            return false;
        }

        TakeOver(plan.With, plan);
        if (!ReferenceEquals(plan.Without.Entry, plan.With.Entry))
        {
            TakeOver(plan.Without, plan);
        }
        EvictCache();

        var with = plan.With.Found ? plan.With.Cursor!.SequenceId : _freeSequences.Pop();
        var without = pending.PromptWithout is null ? -1 : plan.Without.Found ? plan.Without.Cursor!.SequenceId : _freeSequences.Pop();
        var withStart = plan.With.Length;
        if (plan.CopyWithoutToWith)
        {
            // U's cached cells begin with the prefix W shares; W gets the same cells instead of computing them.
            LlamaApi.MemorySequenceCopy(_memory, without, with, 0, pending.SharedPrefix);
            withStart = pending.SharedPrefix;
        }
        var sharesWithW = !plan.Without.Found && pending.PromptWithout is not null;
        var placement = new SequencePlacement(
            with,
            withStart,
            without,
            plan.Without.Length,
            CopyToWithout: sharesWithW ? pending.SharedPrefix : 0,
            plan.SharedCells);
        plan.With.Cursor?.Dispose();
        plan.Without.Cursor?.Dispose();

        var admission = new Admission(pending, _arrivals++);
        int[] additional = [.. pending.Additional.Select(_ => _freeSequences.Pop())];
        var request = new ActiveRequest(pending, admission, placement, model, additional);
        if (pending.Comparison is { } comparison)
        {
            // Listed before the linear alignment choice they follow: steps sample in reverse order, so it reads the shared
            // logits rows before a plain choice masks them in place.
            var principleInPrompt = pending with
            {
                PromptWith = comparison.PrincipleInPromptTokens, PromptWithout = null, Output = comparison.PrincipleInPrompt, Comparison = null, AdditionalPrinciples = null,
            };
            if (comparison.PrincipleInPromptSource is { } source)
            {
                AddComparisonChoice(admission, principleInPrompt, promptSource: request.PrincipleCursor(source));
            }
            else
            {
                AddComparisonChoice(admission, principleInPrompt, prefixSource: request.With, prefixLength: comparison.PrincipleInPromptShared);
            }
            AddComparisonChoice(
                admission,
                pending with { PromptWith = pending.PromptWithout!, PromptWithout = null, Output = comparison.Base, Comparison = null, AdditionalPrinciples = null },
                promptSource: request.Without!);
        }
        admission.Streams.Add(request);
        admission.Main = request;
        _active.Add(request);
        _running.Add(admission);
        pending.Output.CachedPromptTokens = withStart;
        if (withStart > 0)
        {
            metrics.CachedPromptTokens(pending.PromptWithout is not null, withStart);
        }
        return true;
    }

    /// <summary>Places a preempted admission on new sequences, if they and the cells it recomputes can be had.</summary>
    private bool TryResume(Admission admission)
    {
        if (!Fits(admission.Sequences, admission.CellsCommitted, admission.Headroom(options.AdmissionHeadroom)))
        {
            return false;
        }
        EvictCache();
        foreach (var stream in admission.Streams)
        {
            stream.Place(_freeSequences);
            _active.Add(stream);
        }
        admission.AwaitingToken = true;
        _running.Add(admission);
        return true;
    }

    /// <summary>
    /// Cells kept for other prompts would widen the attention span of every step the running requests take (on a small
    /// model as costly as the weights once a few thousand cells are kept), so they leave the KV cache at each
    /// admission, as llama-server clears its idle slots when it starts a task.
    /// </summary>
    private void EvictCache()
    {
        while (_cache.TryEvictOldest(_freeSequences))
        {
        }
    }

    /// <summary>Adds a comparison choice that takes its whole prompt from <paramref name="promptSource"/>, or computes it after copying a prefix.</summary>
    private void AddComparisonChoice(
        Admission admission, PendingRequest choice, SequenceCursor? promptSource = null, SequenceCursor? prefixSource = null, int prefixLength = 0)
    {
        var placement = new SequencePlacement(_freeSequences.Pop(), WithStart: 0, WithoutSequence: -1, WithoutStart: 0, CopyToWithout: 0, SharedCells: 0);
        var stream = new ActiveRequest(choice, admission, placement, model, promptSource: promptSource, prefixSource: prefixSource, prefixLength: prefixLength);
        admission.Streams.Add(stream);
        _active.Add(stream);
    }

    /// <summary>Which cached sequences W and U take over, the cells W and U will share, and the cells their prompts take.</summary>
    private ReusePlan PlanReuse(PendingRequest pending)
    {
        if (!options.PromptCache)
        {
            return new ReusePlan(default, default, CopyWithoutToWith: false, pending.SharedPrefix, pending.PromptCells);
        }
        var with = _cache.FindLongestPrefix(pending.PromptWith);
        if (pending.PromptWithout is null)
        {
            return new ReusePlan(with, default, CopyWithoutToWith: false, SharedCells: 0, pending.PromptCells);
        }

        var shared = pending.SharedPrefix;
        // U takes cached cells of its own only where that saves more than sharing W's prefix would.
        var without = _cache.FindLongestPrefix(pending.PromptWithout, excluded: with.Cursor);
        if (without.Found && without.Length > shared)
        {
            var (sharedCells, copyToWith) =
                ReferenceEquals(with.Entry, without.Entry) ? (Math.Min(without.Entry!.SharedCells, Math.Min(with.Length, without.Length)), false)
                : !with.Found && shared > 0 ? (shared, true)
                : (0, false);
            var promptCells = pending.PromptWith.Length + pending.PromptWithout.Length - sharedCells;
            if (pending.CellsAtMaxTokens(promptCells) <= contextSize)
            {
                return new ReusePlan(with, without, copyToWith, sharedCells, promptCells);
            }
        }
        return new ReusePlan(with, default, CopyWithoutToWith: false, shared, pending.PromptCells);
    }

    /// <summary>
    /// Takes <paramref name="match"/>'s entry out of the cache: the sequences the request reuses keep the positions its
    /// prompts agree with, the others leave the KV cache.
    /// </summary>
    private void TakeOver(PromptCacheMatch match, ReusePlan plan)
    {
        if (match.Entry is not { } entry)
        {
            return;
        }
        _cache.Take(entry);
        Keep(entry.With);
        Keep(entry.Without);

        void Keep(SequenceCursor? cursor)
        {
            if (cursor is null)
            {
                return;
            }
            if (ReferenceEquals(cursor, plan.With.Cursor))
            {
                LlamaApi.MemorySequenceRemove(_memory, cursor.SequenceId, plan.With.Length, -1);
            }
            else if (ReferenceEquals(cursor, plan.Without.Cursor))
            {
                LlamaApi.MemorySequenceRemove(_memory, cursor.SequenceId, plan.Without.Length, -1);
            }
            else
            {
                _cache.Remove(cursor, _freeSequences);
            }
        }
    }

    /// <param name="SharedCells">Leading positions W and U will hold in the same cells.</param>
    /// <param name="PromptCells">KV cells the prompts take, the shared ones once.</param>
    private readonly record struct ReusePlan(
        PromptCacheMatch With, PromptCacheMatch Without, bool CopyWithoutToWith, int SharedCells, int PromptCells);

    private void Step()
    {
        MakeRoomForNextTokens();
        batch.Clear();
        foreach (var request in _active)
        {
            if (!request.Prefilling)
            {
                request.SubmitNextToken(batch);
            }
        }
        // Prefill needs no check for room: an admission's prompt cells are counted from the start.
        var budget = batch.Capacity - batch.Count;
        Span<int> prefilled = stackalloc int[2];
        foreach (var request in _active)
        {
            if (request.Prefilling && budget > 0)
            {
                var before = batch.Count;
                request.SubmitPrefill(batch, _memory, ref budget);
                prefilled[request.IsAligned ? 1 : 0] += batch.Count - before;
            }
        }
        if (batch.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var result = LlamaApi.Decode(context, batch.Batch);
        if (result != 0)
        {
            FailBatch(result);
            return;
        }
        metrics.DecodeStep(started);

        Span<int> generated = stackalloc int[2];

        // Every request sees the decode before any samples: a comparison choice takes its first logits from a
        // sequence that sampling then moves on.
        foreach (var request in _active)
        {
            request.Decoded(_memory);
        }
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var request = _active[i];
            if (request.HasLogits)
            {
                var before = request.Generated;
                Advance(request);
                generated[request.IsAligned ? 1 : 0] += request.Generated - before;
            }
        }
        // Once per step and kind rather than per token: the exporter's work stays off the per-request path.
        for (var aligned = 0; aligned < 2; aligned++)
        {
            if (prefilled[aligned] > 0)
            {
                metrics.PromptTokens(aligned == 1, prefilled[aligned]);
            }
            if (generated[aligned] > 0)
            {
                metrics.GeneratedTokens(aligned == 1, generated[aligned]);
            }
        }
    }

    /// <summary>
    /// Frees cells until every running stream's next token has one: the prompt cache's first, then the running requests'
    /// from the latest arrival back. A request resumed and still awaiting its first token is passed over; it holds no
    /// running stream, so the loop always ends.
    /// </summary>
    private void MakeRoomForNextTokens()
    {
        var needed = DecodingSequences();
        while (contextSize - CellsCommitted() - _cache.Cells < needed)
        {
            if (_cache.TryEvictOldest(_freeSequences))
            {
                continue;
            }
            Admission? victim = null;
            foreach (var admission in _running)
            {
                if (!admission.AwaitingToken && (victim is null || admission.Arrival > victim.Arrival))
                {
                    victim = admission;
                }
            }
            if (victim is null)
            {
                return;
            }
            needed -= victim.DecodingSequences;
            Preempt(victim);
        }
    }

    /// <summary>
    /// Takes <paramref name="admission"/>'s cells and sequences and puts it at the head of the queue. Streams that had
    /// ended leave it; the others keep their state and recompute their cells when it resumes.
    /// </summary>
    private void Preempt(Admission admission)
    {
        _running.Remove(admission);
        foreach (var stream in admission.Streams)
        {
            _active.Remove(stream);
            foreach (var cursor in stream.Cursors)
            {
                FreeSequence(cursor.SequenceId);
                if (stream.Finished)
                {
                    cursor.Dispose();
                }
            }
            if (stream.Finished)
            {
                stream.Dispose();
            }
        }
        admission.Streams.RemoveAll(stream => stream.Finished);
        if (admission.Main is { Finished: true })
        {
            admission.Main = null;
        }
        var recomputed = 0;
        foreach (var stream in admission.Streams)
        {
            var (source, length) = PrefixSource(admission, stream);
            stream.Preempted(ReferenceEquals(stream, admission.Main) ? admission.Pending.SharedPrefix : 0, source, length);
            recomputed += stream.CellsCommitted;
        }
        var at = _preempted.FindIndex(waiting => waiting.Arrival > admission.Arrival);
        _preempted.Insert(at < 0 ? _preempted.Count : at, admission);
        metrics.Preempted(admission.IsAligned, recomputed);
        logger.LogDebug("Preempted a request on {Sequences} sequences; {Cells} cells to recompute when it resumes.", admission.Sequences, recomputed);
    }

    /// <summary>
    /// Where a comparison choice recomputing after a preemption copies its prompt from: the linear alignment stream's
    /// sequence that holds it (or, for a principles-in-prompt choice with a prompt of its own, the prefix it shares with
    /// W); once that stream has ended, the base choice copies the prefix it shares with the principles-in-prompt choice,
    /// so that the choices never take more cells than the comparison was admitted with.
    /// </summary>
    private static (SequenceCursor? Source, int Length) PrefixSource(Admission admission, ActiveRequest stream)
    {
        if (ReferenceEquals(stream, admission.Main) || admission.Pending.Comparison is not { } comparison)
        {
            return (null, 0);
        }
        var isBase = ReferenceEquals(stream.Output, comparison.Base);
        if (admission.Main is { } main)
        {
            if (isBase)
            {
                return (main.Without, stream.With.Prompt.Length);
            }
            return comparison.PrincipleInPromptSource is { } source
                ? (main.PrincipleCursor(source), stream.With.Prompt.Length)
                : (main.With, comparison.PrincipleInPromptShared);
        }
        var principleInPrompt = admission.Streams.Find(other => ReferenceEquals(other.Output, comparison.PrincipleInPrompt));
        return isBase && principleInPrompt is not null ? (principleInPrompt.With, comparison.BaseSharedWithPrincipleInPrompt) : (null, 0);
    }

    private void FreeSequence(int sequenceId)
    {
        LlamaApi.MemorySequenceRemove(_memory, sequenceId, -1, -1);
        _freeSequences.Push(sequenceId);
    }

    private void Advance(ActiveRequest request)
    {
        var token = request.Sample(context);
        request.Admission.AwaitingToken = false;
        if (request.IsAligned)
        {
            metrics.AlignmentUpdate(request.Sampler.LastUpdateDuration);
        }
        if (request.FirstTokenAt == 0)
        {
            request.FirstTokenAt = Stopwatch.GetTimestamp();
            metrics.FirstToken(request.IsAligned, request.SubmittedAt);
        }
        if (model.IsEndOfGeneration(token))
        {
            request.Text.Flush(request.Output);
            Finish(request, FinishReason.Stop);
            return;
        }

        request.Generated++;
        if (request.Sampler.Logprobs is not null)
        {
            request.Output.AddLogprobs(request.Text.DecodedChars, token, request.Sampler, _piece ??= Piece);
        }
        if (request.Sampler.LastSteering is { } steering)
        {
            request.Output.AddSteering(request.Text.DecodedChars, token, steering, _piece ??= Piece);
        }
        if (request.Text.Add(Piece(token), request.Output))
        {
            Finish(request, FinishReason.Stop);
            return;
        }
        if (request.Generated >= request.MaxNewTokens)
        {
            request.Text.Flush(request.Output);
            Finish(request, FinishReason.Length);
            return;
        }
        request.LastToken = token;
    }

    private ReadOnlySpan<byte> Piece(int token)
    {
        var length = model.TokenToPiece(token, _pieceBuffer);
        if (length >= 0)
        {
            return _pieceBuffer.AsSpan(0, length);
        }
        var larger = new byte[-length];
        return larger.AsSpan(0, model.TokenToPiece(token, larger));
    }

    /// <summary>Ends a stream; its sequences are released with the rest of its admission's, when they have all ended.</summary>
    private void Finish(ActiveRequest request, FinishReason reason)
    {
        request.Finished = true;
        _active.Remove(request);
        request.Output.Complete(reason);
        metrics.Ended(request.IsAligned, EngineMetrics.Outcome(reason), request.SubmittedAt, request.FirstTokenAt, request.Generated);
        if (request.Admission.Ended)
        {
            Release(request.Admission, keepPrompts: options.PromptCache);
        }
    }

    private void PublishOccupancy()
    {
        var cellsUsed = 0;
        foreach (var admission in _running)
        {
            cellsUsed += admission.CellsUsed;
        }
        metrics.Occupancy(
            _active.Count,
            queue.Count + _preempted.Count,
            options.MaxSequences - _freeSequences.Count - _cache.Sequences,
            cellsUsed,
            _cache.Sequences,
            _cache.Cells);
    }

    /// <summary>
    /// Ends <paramref name="admission"/>'s hold on the KV cache. Its sequences go to the prompt cache when
    /// <paramref name="keepPrompts"/> (they hold exactly what their cursors recorded: cancellation and finishing
    /// happen between steps), otherwise they are removed.
    /// </summary>
    private void Release(Admission admission, bool keepPrompts)
    {
        _running.Remove(admission);
        foreach (var request in admission.Streams)
        {
            _active.Remove(request);
            var without = request.Without;
            if (without is { Length: 0 })
            {
                // Cancelled before U got any cell (it waits for W's shared prefix).
                _cache.Remove(without, _freeSequences);
                without = null;
            }
            foreach (var cursor in request.Additional)
            {
                // The cache matches later prompts against W and U, which a request with one principle or none reuses.
                _cache.Remove(cursor, _freeSequences);
            }
            if (keepPrompts && request.With.Length > 0)
            {
                _cache.Add(new PromptCacheEntry(request.With, without, without is null ? 0 : request.PairSharedCells));
            }
            else
            {
                _cache.Remove(request.With, _freeSequences);
                _cache.Remove(without, _freeSequences);
            }
            request.Dispose();
        }
    }

    private void FailBatch(int result)
    {
        var reason = result switch
        {
            1 => "no KV cache slot was free for the batch",
            2 => "the decode was aborted",
            _ => $"llama_decode returned {result}",
        };
        logger.LogError("Decoding a batch of {Tokens} tokens failed: {Reason}; failing the {Count} requests in it.", batch.Count, reason, _active.Count);
        FailRunning(new EngineException(EngineErrorCode.DecodeFailed, $"The model failed to decode this request: {reason}."));
    }

    private void FailRunning(Exception error)
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var admission = _running[i];
            Release(admission, keepPrompts: false);
            foreach (var request in admission.Streams)
            {
                if (!request.Finished)
                {
                    request.Output.Fail(error);
                    metrics.Ended(request.IsAligned, RequestOutcome.Error, request.SubmittedAt, request.FirstTokenAt, request.Generated);
                }
            }
        }
    }
}
