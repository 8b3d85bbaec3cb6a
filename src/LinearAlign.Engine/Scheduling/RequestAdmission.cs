using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Places requests on KV cache sequences, first come, first served: preempted requests resume first, earliest arrival
/// first, then waiting ones are admitted in order, while their sequences and the cells for their prompts and a little
/// headroom are free. A comparison is admitted as one request and fans out into its choices, which share its prompt
/// cells.
/// </summary>
internal sealed class RequestAdmission(SchedulingState state, WorkQueue queue, LlamaModel model, EngineOptions options, EngineMetrics metrics)
{
    private readonly PromptReuse _reuse = new(state, options);
    private long _arrivals;

    /// <summary>Resumes preempted requests, earliest arrival first, then admits waiting ones in order, while they fit.</summary>
    public void Admit()
    {
        while (state.Preempted.Count > 0)
        {
            if (!TryResume(state.Preempted[0]))
            {
                return;
            }
            state.Preempted.RemoveAt(0);
        }
        while (state.Waiting.TryPeek(out var pending) && TryAdmit(pending))
        {
            state.Waiting.Dequeue();
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
        var plan = _reuse.Plan(pending);
        if (!state.Fits(pending.SequenceCount, plan.PromptCells, Admission.Headroom(pending.SequenceCount, pending.MaxNewTokens, options.AdmissionHeadroom)))
        {
            return false;
        }

        _reuse.TakeOver(plan);
        state.EvictCache();

        var free = state.FreeSequences;
        var with = plan.With.Found ? plan.With.Cursor!.SequenceId : free.Pop();
        var without = pending.PromptWithout is null ? -1 : plan.Without.Found ? plan.Without.Cursor!.SequenceId : free.Pop();
        var withStart = plan.With.Length;
        if (plan.CopyWithoutToWith)
        {
            // U's cached cells begin with the prefix W shares; W gets the same cells instead of computing them.
            LlamaApi.MemorySequenceCopy(state.Memory, without, with, 0, pending.SharedPrefix);
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
        int[] additional = [.. pending.Additional.Select(_ => free.Pop())];
        var request = new ActiveRequest(pending, admission, placement, model, additional);
        if (pending.Comparison is { } comparison)
        {
            FanOut(admission, request, comparison);
        }
        admission.Streams.Add(request);
        admission.Main = request;
        state.Active.Add(request);
        state.Running.Add(admission);
        pending.Output.CachedPromptTokens = withStart;
        if (withStart > 0)
        {
            metrics.CachedPromptTokens(pending.PromptWithout is not null, withStart);
        }
        return true;
    }

    /// <summary>
    /// Adds a comparison's other choices, each a plain stream on a sequence of its own. Listed before the linear
    /// alignment choice they follow: steps sample in reverse order, so it reads the shared logits rows before a plain
    /// choice masks them in place.
    /// </summary>
    private void FanOut(Admission admission, ActiveRequest main, ComparisonOutputs comparison)
    {
        var pending = admission.Pending;
        var principleInPrompt = pending with
        {
            PromptWith = comparison.PrincipleInPromptTokens, PromptWithout = null, Output = comparison.PrincipleInPrompt, Comparison = null, AdditionalPrinciples = null,
        };
        if (comparison.PrincipleInPromptSource is { } source)
        {
            AddChoice(admission, principleInPrompt, promptSource: main.PrincipleCursor(source));
        }
        else
        {
            AddChoice(admission, principleInPrompt, prefixSource: main.With, prefixLength: comparison.PrincipleInPromptShared);
        }
        AddChoice(
            admission,
            pending with { PromptWith = pending.PromptWithout!, PromptWithout = null, Output = comparison.Base, Comparison = null, AdditionalPrinciples = null },
            promptSource: main.Without!);
    }

    /// <summary>Adds a comparison choice that takes its whole prompt from <paramref name="promptSource"/>, or computes it after copying a prefix.</summary>
    private void AddChoice(
        Admission admission, PendingRequest choice, SequenceCursor? promptSource = null, SequenceCursor? prefixSource = null, int prefixLength = 0)
    {
        var placement = new SequencePlacement(state.FreeSequences.Pop(), WithStart: 0, WithoutSequence: -1, WithoutStart: 0, CopyToWithout: 0, SharedCells: 0);
        var stream = new ActiveRequest(choice, admission, placement, model, promptSource: promptSource, prefixSource: prefixSource, prefixLength: prefixLength);
        admission.Streams.Add(stream);
        state.Active.Add(stream);
    }

    /// <summary>Places a preempted admission on new sequences, if they and the cells it recomputes can be had.</summary>
    private bool TryResume(Admission admission)
    {
        if (!state.Fits(admission.Sequences, admission.CellsCommitted, admission.Headroom(options.AdmissionHeadroom)))
        {
            return false;
        }
        state.EvictCache();
        foreach (var stream in admission.Streams)
        {
            stream.Place(state.FreeSequences);
            state.Active.Add(stream);
        }
        admission.AwaitingToken = true;
        state.Running.Add(admission);
        return true;
    }
}
