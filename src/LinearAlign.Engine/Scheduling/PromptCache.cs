using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// KV cache sequences of finished requests, kept until the next admission so that a request whose prompt starts the
/// same way (a chat growing by a turn, a repeated prompt) takes them over and computes only what follows; what is not
/// taken over is evicted then, oldest first. Owned by the inference thread.
/// </summary>
internal sealed class PromptCache(nint memory)
{
    private readonly List<PromptCacheEntry> _entries = [];

    /// <summary>KV cells the entries hold, each counted once.</summary>
    public int Cells { get; private set; }

    public int Sequences { get; private set; }

    /// <summary>Keeps a finished request's sequences; they must hold exactly the tokens their cursors record.</summary>
    public void Add(PromptCacheEntry entry)
    {
        _entries.Add(entry);
        Cells += entry.Cells;
        Sequences += entry.SequenceCount;
    }

    /// <summary>
    /// The cached sequence sharing the longest prefix with <paramref name="prompt"/>, if taking it over is worth it:
    /// it keeps at least half of the prompt, or at least half of what the sequence holds. The match stops one token
    /// short of the prompt's end, because the last prompt token must be decoded for its logits.
    /// </summary>
    public PromptCacheMatch FindLongestPrefix(int[] prompt, SequenceCursor? excluded = null)
    {
        var best = default(PromptCacheMatch);
        foreach (var entry in _entries)
        {
            Consider(entry, entry.With);
            Consider(entry, entry.Without);
        }
        return best;

        void Consider(PromptCacheEntry entry, SequenceCursor? cursor)
        {
            if (cursor is null || ReferenceEquals(cursor, excluded))
            {
                return;
            }
            var length = Math.Min(cursor.Tokens.CommonPrefixLength(prompt), prompt.Length - 1);
            if (length > best.Length && (2 * length >= prompt.Length || 2 * length >= cursor.Length))
            {
                best = new PromptCacheMatch(entry, cursor, length);
            }
        }
    }

    /// <summary>Removes <paramref name="entry"/> from the cache without touching its cells: a request takes them over.</summary>
    public void Take(PromptCacheEntry entry)
    {
        _entries.Remove(entry);
        Cells -= entry.Cells;
        Sequences -= entry.SequenceCount;
    }

    /// <summary>Evicts the least recently used entry, freeing its sequence ids; false when the cache is empty.</summary>
    public bool TryEvictOldest(Stack<int> freeSequences)
    {
        if (_entries.Count == 0)
        {
            return false;
        }
        var oldest = _entries[0];
        Take(oldest);
        Remove(oldest.With, freeSequences);
        Remove(oldest.Without, freeSequences);
        return true;
    }

    /// <summary>Removes a sequence a request no longer needs from the KV cache and frees its id.</summary>
    public void Remove(SequenceCursor? cursor, Stack<int> freeSequences)
    {
        if (cursor is null)
        {
            return;
        }
        LlamaApi.MemorySequenceRemove(memory, cursor.SequenceId, -1, -1);
        freeSequences.Push(cursor.SequenceId);
        cursor.Dispose();
    }

    /// <summary>Every cached sequence id (tests and diagnostics).</summary>
    public int[] SequenceIds() =>
        [.. _entries.SelectMany(entry => entry.Without is null ? [entry.With] : new[] { entry.With, entry.Without }).Select(cursor => cursor.SequenceId)];
}

/// <summary>
/// The sequences one finished request left: W and, for an aligned request, U. <paramref name="SharedCells"/> leading
/// positions of U are the same cells as W's (copied, not computed), so the entry holds
/// W.Length + U.Length − SharedCells cells.
/// </summary>
internal sealed record PromptCacheEntry(SequenceCursor With, SequenceCursor? Without, int SharedCells)
{
    public int Cells { get; } = With.Length + (Without is null ? 0 : Without.Length - SharedCells);

    public int SequenceCount => Without is null ? 1 : 2;
}

/// <summary>A cached sequence and how many leading prompt tokens it already holds; default when nothing matched.</summary>
internal readonly record struct PromptCacheMatch(PromptCacheEntry? Entry, SequenceCursor? Cursor, int Length)
{
    public bool Found => Entry is not null;
}
