namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Who holds the KV cache, owned by the inference thread: the streams that take part in steps, their admissions, the
/// requests waiting (new ones, and preempted ones ordered by arrival), the free sequence ids and the prompt cache,
/// with the cell and sequence accounting admission and preemption decide by.
/// </summary>
internal sealed class SchedulingState(int maxSequences, int contextSize, nint memory)
{
    public int ContextSize => contextSize;

    /// <summary>The llama_memory handle every sequence operation goes through.</summary>
    public nint Memory => memory;

    /// <summary>Streams that take part in steps: running, or prefilling.</summary>
    public List<ActiveRequest> Active { get; } = new(maxSequences);

    public List<Admission> Running { get; } = new(maxSequences);

    public Queue<PendingRequest> Waiting { get; } = new();

    /// <summary>Ordered by arrival: the earliest resumes first, before anything waiting is admitted.</summary>
    public List<Admission> Preempted { get; } = [];

    public Stack<int> FreeSequences { get; } = new(Enumerable.Range(0, maxSequences).Reverse());

    public PromptCache Cache { get; } = new(memory);

    public bool Idle => Active.Count == 0 && Waiting.Count == 0 && Preempted.Count == 0;

    /// <summary>KV cells running requests hold or will hold once prefilled.</summary>
    public int CellsCommitted()
    {
        var cells = 0;
        foreach (var admission in Running)
        {
            cells += admission.CellsCommitted;
        }
        return cells;
    }

    /// <summary>Sequences that take a token in the next step, each needing a free cell.</summary>
    public int DecodingSequences()
    {
        var sequences = 0;
        foreach (var admission in Running)
        {
            sequences += admission.DecodingSequences;
        }
        return sequences;
    }

    public int CellsUsed()
    {
        var cells = 0;
        foreach (var admission in Running)
        {
            cells += admission.CellsUsed;
        }
        return cells;
    }

    /// <summary>
    /// Whether an admission of <paramref name="sequences"/> sequences, whose prompts take <paramref name="promptCells"/>
    /// cells, fits now beside the running requests with its headroom and the cells their next step takes. Cached
    /// sequences do not count: the admission evicts them.
    /// </summary>
    public bool Fits(int sequences, int promptCells, int headroom) =>
        FreeSequences.Count + Cache.Sequences >= sequences
        && contextSize - CellsCommitted() - DecodingSequences() >= promptCells + headroom;

    /// <summary>
    /// Cells kept for other prompts would widen the attention span of every step the running requests take (on a small
    /// model as costly as the weights once a few thousand cells are kept), so they leave the KV cache at each
    /// admission, as llama-server clears its idle slots when it starts a task.
    /// </summary>
    public void EvictCache()
    {
        while (Cache.TryEvictOldest(FreeSequences))
        {
        }
    }

    /// <summary>Removes a sequence's cells and frees its id.</summary>
    public void FreeSequence(int sequenceId)
    {
        Native.Interop.LlamaApi.MemorySequenceRemove(memory, sequenceId, -1, -1);
        FreeSequences.Push(sequenceId);
    }
}
