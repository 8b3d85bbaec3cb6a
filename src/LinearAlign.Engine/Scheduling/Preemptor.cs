using LinearAlign.Engine.Metrics;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Frees KV cells when a step's tokens do not fit: the prompt cache's first, then the running requests' from the
/// latest arrival back (vLLM's recompute preemption). A preempted admission waits at the head of the queue and resumes
/// by recomputing its cells, its sampling state kept.
/// </summary>
internal sealed class Preemptor(SchedulingState state, EngineMetrics metrics, ILogger logger)
{
    /// <summary>
    /// Frees cells until every running stream's next token has one. A request resumed and still awaiting its first
    /// token is passed over; it holds no running stream, so the loop always ends.
    /// </summary>
    public void MakeRoomForNextTokens()
    {
        var needed = state.DecodingSequences();
        while (state.ContextSize - state.CellsCommitted() - state.Cache.Cells < needed)
        {
            if (state.Cache.TryEvictOldest(state.FreeSequences))
            {
                continue;
            }
            Admission? victim = null;
            foreach (var admission in state.Running)
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
        state.Running.Remove(admission);
        foreach (var stream in admission.Streams)
        {
            state.Active.Remove(stream);
            foreach (var cursor in stream.Cursors)
            {
                state.FreeSequence(cursor.SequenceId);
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
        var at = state.Preempted.FindIndex(waiting => waiting.Arrival > admission.Arrival);
        state.Preempted.Insert(at < 0 ? state.Preempted.Count : at, admission);
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
}
