using System.Diagnostics.Metrics;
using System.Globalization;

namespace LinearAlign.Server.Metrics;

/// <summary>
/// One instrument's series, keyed by label set, and their exposition. Finding a series compares the measurement's
/// tags with each series' labels, so recording an existing series allocates nothing.
/// </summary>
public abstract class MetricFamily(string name, string help)
{
    private readonly Lock _gate = new();
    private readonly List<(string[] Names, string[] Values, Series Series)> _series = [];

    public string Name { get; } = name;

    /// <summary>Only counters, histograms and observable gauges are exported; other kinds are not used here.</summary>
    public static MetricFamily? For(Instrument instrument) => instrument switch
    {
        Counter<long> or Counter<int> or Counter<double> => new CounterFamily(PrometheusText.CounterName(instrument.Name), instrument.Description ?? ""),
        Histogram<double> histogram => new HistogramFamily(instrument.Name, instrument.Description ?? "", histogram.Advice?.HistogramBucketBoundaries ?? HistogramFamily.DefaultBuckets),
        ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double> => new GaugeFamily(instrument.Name, instrument.Description ?? ""),
        _ => null,
    };

    protected abstract string Type { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_gate)
        {
            Find(tags).Record(value);
        }
    }

    /// <summary>Before observable instruments report: a gauge forgets its last values, so a vanished series disappears.</summary>
    public virtual void BeginCollection()
    {
    }

    public void WriteTo(TextWriter output)
    {
        lock (_gate)
        {
            if (_series.Count == 0)
            {
                return;
            }
            output.Write($"# HELP {Name} {PrometheusText.EscapeHelp(help)}\n# TYPE {Name} {Type}\n");
            foreach (var (names, values, series) in _series)
            {
                series.WriteTo(output, Name, names, values);
            }
        }
    }

    protected void Clear()
    {
        lock (_gate)
        {
            _series.Clear();
        }
    }

    protected abstract Series NewSeries();

    private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var (names, values, series) in _series)
        {
            if (Matches(names, values, tags))
            {
                return series;
            }
        }
        var created = NewSeries();
        var ordered = tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        _series.Add((ordered.Select(t => t.Key).ToArray(), ordered.Select(t => Text(t.Value)).ToArray(), created));
        return created;
    }

    private static bool Matches(string[] names, string[] values, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (names.Length != tags.Length)
        {
            return false;
        }
        foreach (var tag in tags)
        {
            var index = Array.IndexOf(names, tag.Key);
            if (index < 0 || !(tag.Value is string text ? text == values[index] : Text(tag.Value) == values[index]))
            {
                return false;
            }
        }
        return true;
    }

    private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    protected abstract class Series
    {
        public abstract void Record(double value);

        public abstract void WriteTo(TextWriter output, string name, string[] names, string[] values);
    }

    private sealed class CounterFamily(string name, string help) : MetricFamily(name, help)
    {
        protected override string Type => "counter";

        protected override Series NewSeries() => new Sum();

        private sealed class Sum : Series
        {
            private double _total;

            public override void Record(double value) => _total += value;

            public override void WriteTo(TextWriter output, string name, string[] names, string[] values) =>
                PrometheusText.WriteSample(output, name, names, values, null, _total);
        }
    }

    private sealed class GaugeFamily(string name, string help) : MetricFamily(name, help)
    {
        protected override string Type => "gauge";

        public override void BeginCollection() => Clear();

        protected override Series NewSeries() => new Last();

        private sealed class Last : Series
        {
            private double _value;

            public override void Record(double value) => _value = value;

            public override void WriteTo(TextWriter output, string name, string[] names, string[] values) =>
                PrometheusText.WriteSample(output, name, names, values, null, _value);
        }
    }

    private sealed class HistogramFamily(string name, string help, IReadOnlyList<double> buckets) : MetricFamily(name, help)
    {
        public static readonly IReadOnlyList<double> DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

        private readonly double[] _bounds = [.. buckets.Order()];

        protected override string Type => "histogram";

        protected override Series NewSeries() => new Buckets(_bounds);

        private sealed class Buckets(double[] bounds) : Series
        {
            // Per bucket, not cumulative: the exposition sums them.
            private readonly long[] _counts = new long[bounds.Length + 1];
            private double _sum;

            public override void Record(double value)
            {
                var index = Array.BinarySearch(bounds, value);
                _counts[index >= 0 ? index : ~index]++;
                _sum += value;
            }

            public override void WriteTo(TextWriter output, string name, string[] names, string[] values)
            {
                long cumulative = 0;
                for (var i = 0; i < bounds.Length; i++)
                {
                    cumulative += _counts[i];
                    PrometheusText.WriteSample(output, name + "_bucket", names, values, PrometheusText.Number(bounds[i]), cumulative);
                }
                cumulative += _counts[^1];
                PrometheusText.WriteSample(output, name + "_bucket", names, values, "+Inf", cumulative);
                PrometheusText.WriteSample(output, name + "_sum", names, values, null, _sum);
                PrometheusText.WriteSample(output, name + "_count", names, values, null, cumulative);
            }
        }
    }
}
