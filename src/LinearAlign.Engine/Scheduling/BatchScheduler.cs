using System.Diagnostics;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Model;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// The inference thread's loop. Each step builds one batch with the next token of every running stream (W and U of
/// aligned ones) and then prefill chunks of admitted requests within the batch size, decodes it once, and samples
/// every stream that has logits. Requests are admitted first come, first served, when sequences and KV cells for
/// their whole prompt and max_tokens are free, so a decode never runs out of cache. Finished and cancelled requests
/// leave their sequences to the prompt cache, which gives them up to later requests; failed ones leave the cache.
/// A comparison is admitted as one request on four sequences and runs as three, which share its prompt cells.
/// </summary>
internal sealed class BatchScheduler(
    WorkQueue queue,
    LlamaModel model,
    SafeLlamaContextHandle context,
    LlamaBatchHandle batch,
    int maxSequences,
    int contextSize,
    bool keepPrompts,
    EngineMetrics metrics,
    ILogger logger)
{
    private readonly nint _memory = LlamaApi.GetMemory(context);
    private readonly List<ActiveRequest> _active = new(maxSequences);
    private readonly Queue<PendingRequest> _waiting = new();
    private readonly Stack<int> _freeSequences = new(Enumerable.Range(0, maxSequences).Reverse());
    private readonly PromptCache _cache = new(LlamaApi.GetMemory(context));
    private readonly byte[] _pieceBuffer = new byte[256];
    private int _reservedCells;

    /// <summary>Sequence ids held by running requests.</summary>
    public int[] RunningSequences() =>
        [.. _active.SelectMany(request => request.Without is null ? [request.With.SequenceId] : new[] { request.With.SequenceId, request.Without.SequenceId })];

    /// <summary>Sequence ids the prompt cache holds.</summary>
    public int[] CachedSequences() => _cache.SequenceIds();

    public void Run(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (_active.Count == 0 && _waiting.Count == 0 && !queue.WaitForWork(stopping))
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
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            if (_active[i].Cancellation.IsCancellationRequested)
            {
                Finish(_active[i], FinishReason.Cancelled);
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

    private void Admit()
    {
        while (_waiting.TryPeek(out var pending) && TryAdmit(pending))
        {
            _waiting.Dequeue();
            queue.Left();
            metrics.QueueWait(pending.PromptWithout is not null, pending.SubmittedAt);
        }
    }

    /// <summary>
    /// Admits <paramref name="pending"/> if its sequences and cells can be had, taking over cached sequences that
    /// start like its prompts and evicting other cached ones as needed; false leaves the cache as it was.
    /// </summary>
    private bool TryAdmit(PendingRequest pending)
    {
        var plan = PlanReuse(pending);
        // Cached sequences are all evictable, and the entries taken over give their cells to the request, whose
        // reservation counts every prompt position.
        if (_freeSequences.Count + _cache.Sequences < pending.SequenceCount || contextSize - _reservedCells < plan.ReservedCells)
        {
            return false;
        }

        TakeOver(plan.With, plan);
        if (!ReferenceEquals(plan.Without.Entry, plan.With.Entry))
        {
            TakeOver(plan.Without, plan);
        }
        // Cells kept for other prompts would widen the attention span of every step this request and the running ones
        // take (on a small model as costly as the weights once a few thousand cells are kept), so they leave the KV
        // cache now, as llama-server clears its idle slots when it starts a task.
        while (_cache.TryEvictOldest(_freeSequences))
        {
        }

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

        _reservedCells += plan.ReservedCells;
        var reservation = new CellReservation(plan.ReservedCells, holders: pending.Comparison is null ? 1 : 1 + ComparisonOutputs.OtherChoices);
        var request = new ActiveRequest(pending, placement, model, reservation);
        if (pending.Comparison is { } comparison)
        {
            // Listed before the linear alignment choice they follow: steps sample in reverse order, so it reads the shared
            // logits rows before a plain choice masks them in place.
            AddComparisonChoice(pending with { PromptWithout = null, Output = comparison.PrincipleInPrompt, Comparison = null }, request.With, reservation);
            AddComparisonChoice(
                pending with { PromptWith = pending.PromptWithout!, PromptWithout = null, Output = comparison.Base, Comparison = null },
                request.Without!,
                reservation);
        }
        _active.Add(request);
        pending.Output.CachedPromptTokens = withStart;
        if (withStart > 0)
        {
            metrics.CachedPromptTokens(pending.PromptWithout is not null, withStart);
        }
        return true;
    }

    private void AddComparisonChoice(PendingRequest choice, SequenceCursor promptSource, CellReservation reservation)
    {
        var placement = new SequencePlacement(_freeSequences.Pop(), WithStart: 0, WithoutSequence: -1, WithoutStart: 0, CopyToWithout: 0, SharedCells: 0);
        _active.Add(new ActiveRequest(choice, placement, model, reservation, promptSource));
    }

    /// <summary>Which cached sequences W and U take over, the cells W and U will share, and the cells to reserve.</summary>
    private ReusePlan PlanReuse(PendingRequest pending)
    {
        var plainCells = pending.PromptWith.Length + pending.MaxNewTokens;
        if (!keepPrompts)
        {
            return new ReusePlan(default, default, CopyWithoutToWith: false, pending.SharedPrefix, pending.ReservedCells);
        }
        var with = _cache.FindLongestPrefix(pending.PromptWith);
        if (pending.PromptWithout is null)
        {
            return new ReusePlan(with, default, CopyWithoutToWith: false, SharedCells: 0, plainCells);
        }

        var shared = pending.SharedPrefix;
        var withoutCells = pending.PromptWithout.Length + pending.MaxNewTokens;
        // U takes cached cells of its own only where that saves more than sharing W's prefix would.
        var without = _cache.FindLongestPrefix(pending.PromptWithout, excluded: with.Cursor);
        if (without.Found && without.Length > shared)
        {
            var (sharedCells, copyToWith) =
                ReferenceEquals(with.Entry, without.Entry) ? (Math.Min(without.Entry!.SharedCells, Math.Min(with.Length, without.Length)), false)
                : !with.Found && shared > 0 ? (shared, true)
                : (0, false);
            var reserved = plainCells + withoutCells - sharedCells + pending.ComparisonCells;
            if (reserved <= contextSize)
            {
                return new ReusePlan(with, without, copyToWith, sharedCells, reserved);
            }
        }
        return new ReusePlan(with, default, CopyWithoutToWith: false, shared, pending.ReservedCells);
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
    private readonly record struct ReusePlan(
        PromptCacheMatch With, PromptCacheMatch Without, bool CopyWithoutToWith, int SharedCells, int ReservedCells);

    private void Step()
    {
        batch.Clear();
        foreach (var request in _active)
        {
            if (!request.Prefilling)
            {
                request.SubmitNextToken(batch);
            }
        }
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

    private void Advance(ActiveRequest request)
    {
        var token = request.Sample(context);
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

    private void Finish(ActiveRequest request, FinishReason reason)
    {
        Release(request, keepPrompt: keepPrompts);
        request.Output.Complete(reason);
        metrics.Ended(request.IsAligned, EngineMetrics.Outcome(reason), request.SubmittedAt, request.FirstTokenAt, request.Generated);
    }

    private void PublishOccupancy()
    {
        var cellsUsed = 0;
        foreach (var request in _active)
        {
            cellsUsed += request.CellsUsed;
        }
        metrics.Occupancy(_active.Count, queue.Count, maxSequences - _freeSequences.Count - _cache.Sequences, cellsUsed, _cache.Sequences, _cache.Cells);
    }

    /// <summary>
    /// Ends <paramref name="request"/>'s hold on the KV cache. Its sequences go to the prompt cache when
    /// <paramref name="keepPrompt"/> (they hold exactly what their cursors recorded: cancellation and finishing happen
    /// between steps), otherwise they are removed.
    /// </summary>
    private void Release(ActiveRequest request, bool keepPrompt)
    {
        if (request.Reservation.Release())
        {
            _reservedCells -= request.Reservation.Cells;
        }
        _active.Remove(request);
        var without = request.Without;
        if (without is { Length: 0 })
        {
            // Cancelled before U got any cell (it waits for W's shared prefix).
            _cache.Remove(without, _freeSequences);
            without = null;
        }
        if (keepPrompt && request.With.Length > 0)
        {
            _cache.Add(new PromptCacheEntry(request.With, without, without is null ? 0 : request.SharedCells));
        }
        else
        {
            _cache.Remove(request.With, _freeSequences);
            _cache.Remove(without, _freeSequences);
        }
        request.Dispose();
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
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var request = _active[i];
            Release(request, keepPrompt: false);
            request.Output.Fail(error);
            metrics.Ended(request.IsAligned, RequestOutcome.Error, request.SubmittedAt, request.FirstTokenAt, request.Generated);
        }
    }
}
