namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Where an admitted request's sequences live and how much of each is already in the KV cache.
/// </summary>
/// <param name="WithStart">Leading positions of W already filled: taken over from the prompt cache or copied from U's.</param>
/// <param name="WithoutStart">Leading positions of U taken over from the prompt cache.</param>
/// <param name="CopyToWithout">Leading positions U copies from W once W holds them (0: none).</param>
/// <param name="SharedCells">Leading positions W and U hold in the same cells, once any copy is made.</param>
internal readonly record struct SequencePlacement(
    int WithSequence,
    int WithStart,
    int WithoutSequence,
    int WithoutStart,
    int CopyToWithout,
    int SharedCells);
