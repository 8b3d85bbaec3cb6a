using System.Diagnostics.Metrics;

namespace LinearAlign.Server.Metrics;

/// <summary>
/// Aggregates the measurements of the meters it is given (one <see cref="MeterListener"/> each, so a meter created
/// after start-up, such as the engine's, is listened to from its first instrument) into Prometheus metric families.
/// Counters and histograms accumulate as measurements arrive; observable gauges are read at each collection.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Lock _collection = new();
    private readonly List<MeterListener> _listeners = [];
    private readonly List<MetricFamily> _families = [];

    public void Listen(Meter meter)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && MetricFamily.For(instrument) is { } family)
                {
                    lock (_gate)
                    {
                        _families.Add(family);
                    }
                    listener.EnableMeasurementEvents(instrument, family);
                }
            },
            MeasurementsCompleted = (_, state) =>
            {
                lock (_gate)
                {
                    _families.Remove((MetricFamily)state!);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        lock (_gate)
        {
            _listeners.Add(listener);
        }
        listener.Start();
    }

    /// <summary>Reads the observable gauges and writes every family in the Prometheus text format, sorted by name.</summary>
    public void WriteTo(TextWriter output)
    {
        // Two scrapes at once would clear each other's gauge readings.
        lock (_collection)
        {
            MeterListener[] listeners;
            MetricFamily[] families;
            lock (_gate)
            {
                listeners = [.. _listeners];
                families = [.. _families.OrderBy(f => f.Name, StringComparer.Ordinal)];
            }
            foreach (var family in families)
            {
                family.BeginCollection();
            }
            foreach (var listener in listeners)
            {
                listener.RecordObservableInstruments();
            }
            foreach (var family in families)
            {
                family.WriteTo(output);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
            _listeners.Clear();
        }
    }
}
