using LinearAlign.Engine.Options;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Which cached sequences an admitted request's W and U take over (<see cref="Plan"/>), and taking them over
/// (<see cref="TakeOver"/>): the positions its prompts agree with stay, the rest of the entry leaves the KV cache.
/// </summary>
internal sealed class PromptReuse(SchedulingState state, EngineOptions options)
{
    /// <summary>Which cached sequences W and U take over, the cells W and U will share, and the cells their prompts take.</summary>
    public ReusePlan Plan(PendingRequest pending)
    {
        if (!options.PromptCache)
        {
            return new ReusePlan(default, default, CopyWithoutToWith: false, pending.SharedPrefix, pending.PromptCells);
        }
        var with = state.Cache.FindLongestPrefix(pending.PromptWith);
        if (pending.PromptWithout is null)
        {
            return new ReusePlan(with, default, CopyWithoutToWith: false, SharedCells: 0, pending.PromptCells);
        }

        var shared = pending.SharedPrefix;
        // U takes cached cells of its own only where that saves more than sharing W's prefix would.
        var without = state.Cache.FindLongestPrefix(pending.PromptWithout, excluded: with.Cursor);
        if (without.Found && without.Length > shared)
        {
            var (sharedCells, copyToWith) =
                ReferenceEquals(with.Entry, without.Entry) ? (Math.Min(without.Entry!.SharedCells, Math.Min(with.Length, without.Length)), false)
                : !with.Found && shared > 0 ? (shared, true)
                : (0, false);
            // The planner counted W and U sharing `shared` cells; other principles' and a comparison's cells stay as counted.
            var promptCells = pending.PromptCells + shared - sharedCells;
            if (pending.CellsAtMaxTokens(promptCells) <= state.ContextSize)
            {
                return new ReusePlan(with, without, copyToWith, sharedCells, promptCells);
            }
        }
        return new ReusePlan(with, default, CopyWithoutToWith: false, shared, pending.PromptCells);
    }

    /// <summary>
    /// Takes the plan's entries out of the cache: the sequences the request reuses keep the positions its prompts agree
    /// with, the others leave the KV cache.
    /// </summary>
    public void TakeOver(ReusePlan plan)
    {
        TakeOver(plan.With, plan);
        if (!ReferenceEquals(plan.Without.Entry, plan.With.Entry))
        {
            TakeOver(plan.Without, plan);
        }
    }

    private void TakeOver(PromptCacheMatch match, ReusePlan plan)
    {
        if (match.Entry is not { } entry)
        {
            return;
        }
        state.Cache.Take(entry);
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
                LlamaApi.MemorySequenceRemove(state.Memory, cursor.SequenceId, plan.With.Length, -1);
            }
            else if (ReferenceEquals(cursor, plan.Without.Cursor))
            {
                LlamaApi.MemorySequenceRemove(state.Memory, cursor.SequenceId, plan.Without.Length, -1);
            }
            else
            {
                state.Cache.Remove(cursor, state.FreeSequences);
            }
        }
    }
}

/// <param name="SharedCells">Leading positions W and U will hold in the same cells.</param>
/// <param name="PromptCells">KV cells the prompts take, the shared ones once.</param>
internal readonly record struct ReusePlan(
    PromptCacheMatch With, PromptCacheMatch Without, bool CopyWithoutToWith, int SharedCells, int PromptCells);
