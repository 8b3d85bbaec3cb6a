namespace LinearAlign.Engine.Scheduling;

/// <summary>Which sequence ids running requests and the prompt cache hold, and which have cells in the KV cache.</summary>
internal sealed record SequenceCensus(int[] Running, int[] Cached, int[] Occupied)
{
    /// <summary>Nothing runs, and every sequence with cells belongs to the prompt cache.</summary>
    public bool IsIdle => Running.Length == 0 && Occupied.Order().SequenceEqual(Cached.Order());

    public override string ToString() =>
        $"running [{string.Join(", ", Running)}], cached [{string.Join(", ", Cached)}], in the KV cache [{string.Join(", ", Occupied)}]";
}
