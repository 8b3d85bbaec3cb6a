using System.Runtime.CompilerServices;
using System.Text;

namespace LinearAlign.Bench.Load;

/// <summary>One server-sent event: its "event:" name, if any, and its data lines joined by newlines.</summary>
public sealed record SseEvent(string? Name, string Data);

/// <summary>
/// Reads text/event-stream as the WHATWG specification frames it: fields per line, an event per blank line, comments
/// (": ping") skipped. Each event is yielded as soon as its blank line arrives, however the bytes were split.
/// </summary>
public static class SseReader
{
    public static async IAsyncEnumerable<SseEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        string? name = null;
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return new SseEvent(name, data.ToString());
                }
                name = null;
                data.Clear();
                hasData = false;
                continue;
            }
            if (line[0] == ':')
            {
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }
            switch (field)
            {
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }
                    data.Append(value);
                    hasData = true;
                    break;
                case "event":
                    name = value;
                    break;
            }
        }
        // A last event whose blank line never came is still an event: some servers close right after it.
        if (hasData)
        {
            yield return new SseEvent(name, data.ToString());
        }
    }
}
