using System.Diagnostics;

namespace LinearAlign.Engine.Metrics;

/// <summary>
/// Tokens per second over the last <see cref="Seconds"/> whole seconds: one bucket per second in a ring, written by
/// the inference thread, read by a scrape. A bucket is reused only after it has aged out of the window.
/// </summary>
public sealed class TokenRateWindow
{
    public const int Seconds = 10;

    private readonly long[] _counts = new long[Seconds + 1];
    private readonly long[] _secondOf = new long[Seconds + 1];
    private readonly Lock _gate = new();

    public void Add(long tokens, long? now = null)
    {
        var second = CurrentSecond(now);
        var slot = (int)(second % _counts.Length);
        lock (_gate)
        {
            if (_secondOf[slot] != second)
            {
                _secondOf[slot] = second;
                _counts[slot] = 0;
            }
            _counts[slot] += tokens;
        }
    }

    /// <summary>The mean over the last whole seconds; the second in progress is left out, being incomplete.</summary>
    public double PerSecond(long? now = null)
    {
        var current = CurrentSecond(now);
        long total = 0;
        lock (_gate)
        {
            for (var i = 0; i < _counts.Length; i++)
            {
                if (_secondOf[i] < current && _secondOf[i] >= current - Seconds)
                {
                    total += _counts[i];
                }
            }
        }
        return total / (double)Seconds;
    }

    private static long CurrentSecond(long? now) => (now ?? Stopwatch.GetTimestamp()) / Stopwatch.Frequency;
}
