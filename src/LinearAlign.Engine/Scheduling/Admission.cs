namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// What one admission puts on the KV cache: a request's stream, or the three streams of a comparison, whose choices
/// share prompt cells. They hold their sequences until the last of them ends, and are preempted and resumed together.
/// </summary>
internal sealed class Admission(PendingRequest pending, long arrival)
{
    public PendingRequest Pending => pending;

    /// <summary>Arrival order: the later a request came, the higher, and the sooner it is preempted.</summary>
    public long Arrival => arrival;

    /// <summary>In the order a step visits them: a comparison's other choices, then the request's own stream last.</summary>
    public List<ActiveRequest> Streams { get; } = new(1 + ComparisonOutputs.OtherChoices);

    /// <summary>
    /// The request's own stream (linear alignment, for a comparison), whose sequences hold the prompts the other
    /// choices share; null once a preemption dropped it after it had ended.
    /// </summary>
    public ActiveRequest? Main { get; set; }

    /// <summary>
    /// Resumed after a preemption and no token sampled since. Such an admission is never preempted again, so that
    /// every preemption is followed by progress and none can livelock.
    /// </summary>
    public bool AwaitingToken { get; set; }

    public bool Ended => Streams.TrueForAll(stream => stream.Finished);

    public bool IsAligned => pending.PromptWithout is not null;

    /// <summary>KV cells the streams hold or will hold once prefilled: what must stay free for this admission.</summary>
    public int CellsCommitted => Sum(static stream => stream.CellsCommitted);

    public int CellsUsed => Sum(static stream => stream.CellsUsed);

    public int Sequences => Sum(static stream => stream.SequenceCount);

    /// <summary>Sequences that take a token in the next step: one cell each.</summary>
    public int DecodingSequences => Sum(static stream => stream.DecodingSequences);

    /// <summary>
    /// Cells the admission may fill soon after it is placed, kept free beside its prompt so that it is not preempted
    /// as soon as it starts: up to <paramref name="perSequence"/> tokens for each sequence, within what is left to generate.
    /// </summary>
    public int Headroom(int perSequence)
    {
        var cells = 0;
        foreach (var stream in Streams)
        {
            cells += Headroom(stream.SequenceCount, stream.MaxNewTokens - stream.Generated, perSequence);
        }
        return cells;
    }

    public static int Headroom(int sequences, int tokensLeft, int perSequence) => sequences * Math.Min(perSequence, tokensLeft);

    // A static lambda is cached, so summing allocates nothing on the inference thread.
    private int Sum(Func<ActiveRequest, int> measure)
    {
        var total = 0;
        foreach (var stream in Streams)
        {
            total += measure(stream);
        }
        return total;
    }
}
