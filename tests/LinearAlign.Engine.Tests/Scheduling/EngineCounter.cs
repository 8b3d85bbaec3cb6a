using System.Diagnostics.Metrics;
using LinearAlign.Engine.Scheduling;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>
/// Sums one of an engine's counters (or counts a histogram's records) from the moment it is created: tests count
/// steps and events, not seconds.
/// </summary>
public sealed class EngineCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    private EngineCounter(InferenceEngine engine, string name)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, engine.Metrics.Meter) && instrument.Name == name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Add(value));
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Add(1));
        _listener.Start();
    }

    public static EngineCounter DecodeSteps(InferenceEngine engine) => new(engine, "linearalign_decode_steps");

    public static EngineCounter Preemptions(InferenceEngine engine) => new(engine, "linearalign_preemptions");

    public static EngineCounter RecomputedTokens(InferenceEngine engine) => new(engine, "linearalign_recomputed_tokens");

    /// <summary>Streams that got their first token.</summary>
    public static EngineCounter FirstTokens(InferenceEngine engine) => new(engine, "linearalign_time_to_first_token_seconds");

    /// <summary>Raised on the inference thread as each measurement is counted, before the engine goes on.</summary>
    public event Action? Counted;

    /// <summary>The sum so far.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>The sum since the last call, or since creation.</summary>
    public long Take() => Interlocked.Exchange(ref _total, 0);

    public void Dispose() => _listener.Dispose();

    private void Add(long value)
    {
        Interlocked.Add(ref _total, value);
        Counted?.Invoke();
    }
}
