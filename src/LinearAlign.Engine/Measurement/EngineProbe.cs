using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Scheduling;

namespace LinearAlign.Engine.Measurement;

/// <summary>
/// Looks into a running engine for benchmarks: what its inference thread allocates, and the logits a request's tokens
/// are sampled from. Neither changes what the engine generates.
/// </summary>
public static class EngineProbe
{
    /// <summary>Managed bytes the inference thread has allocated since it started, read between two steps.</summary>
    public static Task<long> InferenceThreadAllocatedBytesAsync(InferenceEngine engine) =>
        engine.InspectAsync(_ => GC.GetAllocatedBytesForCurrentThread());

    /// <summary>
    /// Runs <paramref name="request"/> to its end and returns a copy of each logits row a token was sampled from, in
    /// order (the aligned rows for an aligned request), forbidden tokens at minus infinity.
    /// </summary>
    public static async Task<IReadOnlyList<float[]>> SampledLogitsAsync(InferenceEngine engine, GenerationRequest request)
    {
        var rows = new List<float[]>();
        await engine.Submit(request with { LogitsObserver = logits => rows.Add(logits.ToArray()) }).Completion;
        return rows;
    }
}
