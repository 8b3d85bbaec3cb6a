using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace LinearAlign.Server.Metrics;

/// <summary>
/// One <see cref="System.Diagnostics.Metrics"/> instrument as a prometheus-net metric of its Prometheus type: a
/// counter as a counter named *_total, a histogram over the instrument's advised bucket boundaries, an observable
/// gauge as a gauge. The label names are the tag names of the first measurement (the engine records each instrument
/// with one fixed set of tags). A series is found by comparing a measurement's tags with its label values, so
/// recording into an existing series allocates nothing, on the inference thread included.
/// </summary>
public abstract class ExportedInstrument
{
    /// <summary>Only counters, histograms and observable gauges are exported; other kinds are not used here.</summary>
    public static ExportedInstrument? For(Instrument instrument, IMetricFactory factory)
    {
        // prometheus-net writes HELP text as it is given; the format wants backslash and line feed escaped.
        var help = (instrument.Description ?? "").Replace("\\", @"\\").Replace("\n", @"\n");
        return instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> => new CounterInstrument(factory, TotalName(instrument.Name), help),
            Histogram<double> histogram => new HistogramInstrument(factory, instrument.Name, help, histogram.Advice?.HistogramBucketBoundaries),
            ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double> => new GaugeInstrument(factory, instrument.Name, help),
            _ => null,
        };
    }

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Before observable instruments report: a gauge starts forgetting its series.</summary>
    public virtual void BeginCollection()
    {
    }

    /// <summary>After they reported: a gauge drops the series its callback no longer returned.</summary>
    public virtual void EndCollection()
    {
    }

    private static string TotalName(string name) => name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";

    private abstract class Exported<TChild>(string name, string help) : ExportedInstrument where TChild : ChildBase
    {
        private readonly Lock _gate = new();
        private readonly List<Series> _series = [];
        private ICollector<TChild>? _metric;
        private string[] _labelNames = [];

        protected string Name { get; } = name;

        protected string Help { get; } = help;

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_gate)
            {
                var series = Find(tags);
                series.Reported = true;
                Record(series.Child, value);
            }
        }

        protected void ForgetReported()
        {
            lock (_gate)
            {
                foreach (var series in _series)
                {
                    series.Reported = false;
                }
            }
        }

        protected void RemoveUnreported()
        {
            lock (_gate)
            {
                foreach (var series in _series.Where(series => !series.Reported))
                {
                    series.Child.Remove();
                }
                _series.RemoveAll(series => !series.Reported);
            }
        }

        protected abstract ICollector<TChild> Create(string[] labelNames);

        protected abstract void Record(TChild child, double value);

        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var series in _series)
            {
                if (Matches(series.Values, tags))
                {
                    return series;
                }
            }
            if (_metric is null)
            {
                _labelNames = [.. tags.ToArray().Select(tag => tag.Key).Order(StringComparer.Ordinal)];
                _metric = Create(_labelNames);
            }
            // A tag the first measurement did not have is left out; one it had and this one lacks is empty.
            var values = new string[_labelNames.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Tag(_labelNames[i], tags, out var value) ? Text(value) : "";
            }
            var created = new Series(values, values.Length == 0 ? _metric.Unlabelled : _metric.WithLabels(values));
            _series.Add(created);
            return created;
        }

        private bool Matches(string[] values, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            for (var i = 0; i < _labelNames.Length; i++)
            {
                if (!Tag(_labelNames[i], tags, out var value) || !(value is string text ? text == values[i] : Text(value) == values[i]))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool Tag(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags, out object? value)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == name)
                {
                    value = tag.Value;
                    return true;
                }
            }
            value = null;
            return false;
        }

        private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

        private sealed class Series(string[] values, TChild child)
        {
            public string[] Values { get; } = values;

            public TChild Child { get; } = child;

            public bool Reported { get; set; }
        }
    }

    private sealed class CounterInstrument(IMetricFactory factory, string name, string help) : Exported<Counter.Child>(name, help)
    {
        protected override ICollector<Counter.Child> Create(string[] labelNames) => factory.CreateCounter(Name, Help, labelNames);

        protected override void Record(Counter.Child child, double value) => child.Inc(value);
    }

    private sealed class HistogramInstrument(IMetricFactory factory, string name, string help, IReadOnlyList<double>? buckets) : Exported<Histogram.Child>(name, help)
    {
        protected override ICollector<Histogram.Child> Create(string[] labelNames) =>
            factory.CreateHistogram(Name, Help, labelNames, new HistogramConfiguration { Buckets = buckets is null ? null : [.. buckets.Order()] });

        protected override void Record(Histogram.Child child, double value) => child.Observe(value);
    }

    private sealed class GaugeInstrument(IMetricFactory factory, string name, string help) : Exported<Gauge.Child>(name, help)
    {
        protected override ICollector<Gauge.Child> Create(string[] labelNames) => factory.CreateGauge(Name, Help, labelNames);

        protected override void Record(Gauge.Child child, double value) => child.Set(value);

        public override void BeginCollection() => ForgetReported();

        public override void EndCollection() => RemoveUnreported();
    }
}
