using System.Diagnostics.Metrics;
using Prometheus;

namespace LinearAlign.Server.Metrics;

/// <summary>
/// Exports the instruments of the meters it is given as prometheus-net metrics of the server's registry, one
/// <see cref="MeterListener"/> per meter, started when the meter is given, so that a meter created after start-up
/// (the engine's) is exported from its first measurement. Counters and histograms are recorded as measurements
/// arrive; observable gauges are read before each scrape.
/// prometheus-net's own bridge (MeterAdapter) is not used: it exports counters as gauges, starts listening only at
/// the first scrape, and drops a series after five minutes without measurements.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MetricFactory _factory;
    private readonly Lock _gate = new();
    private readonly Lock _collection = new();
    private readonly List<MeterListener> _listeners = [];
    private readonly List<ExportedInstrument> _instruments = [];

    public MetricsCollector(CollectorRegistry registry)
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        // Exemplars appear only in OpenMetrics output; looking one up for every measurement would be wasted on the inference thread.
        _factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        registry.AddBeforeCollectCallback(ReadGauges);
    }

    public void Listen(Meter meter)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && ExportedInstrument.For(instrument, _factory) is { } exported)
                {
                    lock (_gate)
                    {
                        _instruments.Add(exported);
                    }
                    listener.EnableMeasurementEvents(instrument, exported);
                }
            },
            MeasurementsCompleted = (_, state) =>
            {
                lock (_gate)
                {
                    _instruments.Remove((ExportedInstrument)state!);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((ExportedInstrument)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((ExportedInstrument)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((ExportedInstrument)state!).Record(value, tags));
        lock (_gate)
        {
            _listeners.Add(listener);
        }
        listener.Start();
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

    private void ReadGauges()
    {
        // Two scrapes at once would each drop the series the other had just read.
        lock (_collection)
        {
            MeterListener[] listeners;
            ExportedInstrument[] instruments;
            lock (_gate)
            {
                listeners = [.. _listeners];
                instruments = [.. _instruments];
            }
            foreach (var instrument in instruments)
            {
                instrument.BeginCollection();
            }
            foreach (var listener in listeners)
            {
                listener.RecordObservableInstruments();
            }
            foreach (var instrument in instruments)
            {
                instrument.EndCollection();
            }
        }
    }
}
