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
/// their whole prompt and max_tokens are free, so a decode never runs out of cache; finished, failed and cancelled
/// requests leave the cache at once.
/// </summary>
internal sealed class BatchScheduler(
    WorkQueue queue,
    LlamaModel model,
    SafeLlamaContextHandle context,
    LlamaBatchHandle batch,
    int maxSequences,
    int contextSize,
    EngineMetrics metrics,
    ILogger logger)
{
    private readonly nint _memory = LlamaApi.GetMemory(context);
    private readonly List<ActiveRequest> _active = new(maxSequences);
    private readonly Queue<PendingRequest> _waiting = new();
    private readonly Stack<int> _freeSequences = new(Enumerable.Range(0, maxSequences).Reverse());
    private readonly byte[] _pieceBuffer = new byte[256];
    private int _freeCells = contextSize;

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
            pending.Output.Fail(error);
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
                pending.Output.Complete(FinishReason.Cancelled);
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
        while (_waiting.TryPeek(out var pending)
            && pending.SequenceCount <= _freeSequences.Count
            && pending.ReservedCells <= _freeCells)
        {
            _waiting.Dequeue();
            queue.Left();
            var with = _freeSequences.Pop();
            var without = pending.SequenceCount == 2 ? _freeSequences.Pop() : -1;
            _freeCells -= pending.ReservedCells;
            _active.Add(new ActiveRequest(pending, with, without, model.VocabularySize));
            metrics.QueueWait(pending.PromptWithout is not null, pending.SubmittedAt);
        }
    }

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

        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var request = _active[i];
            request.Decoded();
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
        Release(request);
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
        metrics.Occupancy(_active.Count, queue.Count, maxSequences - _freeSequences.Count, cellsUsed);
    }

    private void Release(ActiveRequest request)
    {
        request.ReleaseSequences(_memory);
        _freeSequences.Push(request.With.SequenceId);
        if (request.Without is not null)
        {
            _freeSequences.Push(request.Without.SequenceId);
        }
        _freeCells += request.ReservedCells;
        _active.Remove(request);
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
            Release(request);
            request.Output.Fail(error);
            metrics.Ended(request.IsAligned, RequestOutcome.Error, request.SubmittedAt, request.FirstTokenAt, request.Generated);
        }
    }
}
