using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Options;
using LinearAlign.Native.Handles;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Ends streams — finished (stop, length), cancelled by their callers, or failed — and, once every stream of an
/// admission has ended, its hold on the KV cache: finished and cancelled admissions leave their sequences to the prompt
/// cache, failed ones leave the cache.
/// </summary>
internal sealed class StreamTermination(
    SchedulingState state, WorkQueue queue, SafeLlamaContextHandle context, EngineOptions options, EngineMetrics metrics)
{
    /// <summary>Ends a stream; its sequences are released with the rest of its admission's, when they have all ended.</summary>
    public void Finish(ActiveRequest request, FinishReason reason)
    {
        request.Finished = true;
        state.Active.Remove(request);
        request.Output.Complete(reason);
        metrics.Ended(request.IsAligned, EngineMetrics.Outcome(reason), request.SubmittedAt, request.FirstTokenAt, request.Generated);
        if (request.Admission.Ended)
        {
            Release(request.Admission, keepPrompts: options.PromptCache);
        }
    }

    /// <summary>Ends the streams whose callers cancelled: running, preempted or still waiting.</summary>
    public void DropCancelled()
    {
        for (var i = state.Running.Count - 1; i >= 0; i--)
        {
            var admission = state.Running[i];
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
        for (var i = state.Preempted.Count - 1; i >= 0; i--)
        {
            var admission = state.Preempted[i];
            if (admission.Pending.Cancellation.IsCancellationRequested)
            {
                state.Preempted.RemoveAt(i);
                foreach (var stream in admission.Streams)
                {
                    stream.Output.Complete(FinishReason.Cancelled);
                    metrics.Ended(stream.IsAligned, RequestOutcome.Cancelled, stream.SubmittedAt, stream.FirstTokenAt, stream.Generated);
                    stream.Dispose();
                }
            }
        }
        for (var remaining = state.Waiting.Count; remaining > 0; remaining--)
        {
            var pending = state.Waiting.Dequeue();
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
                state.Waiting.Enqueue(pending);
            }
        }
    }

    /// <summary>Ends every running, preempted and waiting request with <paramref name="error"/>.</summary>
    public void FailAll(Exception error)
    {
        FailRunning(error);
        foreach (var admission in state.Preempted)
        {
            foreach (var stream in admission.Streams)
            {
                stream.Output.Fail(error);
                metrics.Ended(stream.IsAligned, RequestOutcome.Error, stream.SubmittedAt, stream.FirstTokenAt, stream.Generated);
                stream.Dispose();
            }
        }
        state.Preempted.Clear();
        queue.Drain(state.Waiting, context);
        while (state.Waiting.TryDequeue(out var pending))
        {
            queue.Left();
            foreach (var output in pending.Outputs)
            {
                output.Fail(error);
            }
            metrics.Ended(pending.PromptWithout is not null, RequestOutcome.Error, pending.SubmittedAt, firstTokenAt: 0, generated: 0);
        }
    }

    /// <summary>Ends every running request with <paramref name="error"/>; their sequences leave the KV cache.</summary>
    public void FailRunning(Exception error)
    {
        for (var i = state.Running.Count - 1; i >= 0; i--)
        {
            var admission = state.Running[i];
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

    /// <summary>
    /// Ends <paramref name="admission"/>'s hold on the KV cache. Its sequences go to the prompt cache when
    /// <paramref name="keepPrompts"/> (they hold exactly what their cursors recorded: cancellation and finishing
    /// happen between steps), otherwise they are removed.
    /// </summary>
    private void Release(Admission admission, bool keepPrompts)
    {
        state.Running.Remove(admission);
        foreach (var request in admission.Streams)
        {
            state.Active.Remove(request);
            var without = request.Without;
            if (without is { Length: 0 })
            {
                // Cancelled before U got any cell (it waits for W's shared prefix).
                state.Cache.Remove(without, state.FreeSequences);
                without = null;
            }
            foreach (var cursor in request.Additional)
            {
                // The cache matches later prompts against W and U, which a request with one principle or none reuses.
                state.Cache.Remove(cursor, state.FreeSequences);
            }
            if (keepPrompts && request.With.Length > 0)
            {
                state.Cache.Add(new PromptCacheEntry(request.With, without, without is null ? 0 : request.PairSharedCells));
            }
            else
            {
                state.Cache.Remove(request.With, state.FreeSequences);
                state.Cache.Remove(without, state.FreeSequences);
            }
            request.Dispose();
        }
    }
}
