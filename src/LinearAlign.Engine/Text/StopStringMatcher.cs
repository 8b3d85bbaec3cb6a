namespace LinearAlign.Engine.Text;

/// <summary>
/// Finds stop strings in generated text, and says how much of the text's end must be held back because it
/// could be the start of a stop string completed by later tokens.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] _stops;

    public StopStringMatcher(IEnumerable<string> stops)
    {
        _stops = stops.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
    }

    public bool IsEmpty => _stops.Length == 0;

    /// <summary>The earliest position where any stop string starts in <paramref name="text"/>, or -1.</summary>
    public int IndexOfStop(ReadOnlySpan<char> text)
    {
        var earliest = -1;
        foreach (var stop in _stops)
        {
            var index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (earliest < 0 || index < earliest))
            {
                earliest = index;
            }
        }
        return earliest;
    }

    /// <summary>The length of the longest end of <paramref name="text"/> that is a proper prefix of a stop string.</summary>
    public int PartialSuffixLength(ReadOnlySpan<char> text)
    {
        var longest = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text[^length..].SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
