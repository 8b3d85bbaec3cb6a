using System.Diagnostics;
using System.Globalization;

namespace LinearAlign.Bench.Load;

/// <summary>
/// Requests done of the total, elapsed time and generated tokens/s so far, on stderr while a run goes on: redrawn in
/// place on a terminal, otherwise (a log file, CI) one line every few seconds at most.
/// </summary>
/// <remarks>Not Spectre.Console's Progress: its live display redraws from a thread of its own, on the cores the measured server decodes on.</remarks>
public sealed class ProgressBar : IAsyncDisposable
{
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);
    private const int BarWidth = 30;

    private readonly string _label;
    private readonly int _total;
    private readonly Func<(int Done, long Tokens)> _read;
    private readonly Func<string>? _detail;
    private readonly TextWriter _writer;
    private readonly bool _terminal;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _drawnLength;

    private ProgressBar(string label, int total, Func<(int Done, long Tokens)> read, Func<string>? detail, TextWriter writer, bool terminal)
    {
        _label = label;
        _total = total;
        _read = read;
        _detail = detail;
        _writer = writer;
        _terminal = terminal;
        _loop = RedrawAsync();
    }

    /// <param name="read">Units done (requests, training steps) and tokens processed so far; called from a timer thread.</param>
    /// <param name="detail">More to show at the end of the line (a training loss), also called from the timer thread.</param>
    public static ProgressBar Start(string label, int total, Func<(int Done, long Tokens)> read, Func<string>? detail = null) =>
        new(label, total, read, detail, Console.Error, terminal: !Console.IsErrorRedirected);

    /// <summary>One line of progress: "label [#####-----] 3/10  4.2 s  151.3 tok/s", then the detail if any.</summary>
    public static string Render(string label, int done, int total, TimeSpan elapsed, long tokens, string? detail = null)
    {
        var filled = total == 0 ? BarWidth : (int)((long)BarWidth * Math.Min(done, total) / total);
        var rate = elapsed.TotalSeconds > 0 ? tokens / elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{label} [{new string('#', filled)}{new string('-', BarWidth - filled)}] {done}/{total}  {elapsed.TotalSeconds:F1} s  {rate:F1} tok/s{(detail is null ? "" : "  " + detail)}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Draw(final: true);
        _stop.Dispose();
    }

    private async Task RedrawAsync()
    {
        using var timer = new PeriodicTimer(_terminal ? TerminalInterval : LogInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Draw(final: false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the final line is drawn there.
        }
    }

    private void Draw(bool final)
    {
        var (done, tokens) = _read();
        var line = Render(_label, done, _total, Stopwatch.GetElapsedTime(_startTimestamp), tokens, _detail?.Invoke());
        if (_terminal)
        {
            // Padding wipes what a longer earlier line left behind.
            _writer.Write("\r" + line.PadRight(_drawnLength) + (final ? "\n" : ""));
            _drawnLength = line.Length;
        }
        else
        {
            _writer.WriteLine(line);
        }
        _writer.Flush();
    }
}
