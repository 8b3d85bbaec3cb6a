using System.Numerics;

namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// GBNF for the decimal integers of a range, exactly: every integer in it in its one canonical spelling (no leading
/// zeros, no "-0"), nothing outside it. Ranges are split by digit count, and each count's range digit by digit
/// into a common prefix, a partial first digit with the tail above (or below) it, and whole digits in between.
/// </summary>
internal static class IntegerRangeGrammar
{
    /// <summary>The integers from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static string Between(BigInteger min, BigInteger max)
    {
        if (min > max)
        {
            throw new ArgumentException($"empty range {min}..{max}", nameof(min));
        }
        var alternatives = new List<string>();
        if (max >= 0)
        {
            alternatives.AddRange(NonNegative(BigInteger.Max(min, 0), max));
        }
        if (min < 0)
        {
            // -m for the magnitudes m from the smallest (1, or -max when the range is all negative) to -min.
            alternatives.Add(Gbnf.Sequence("\"-\"", Gbnf.Atom(string.Join(" | ", NonNegative(BigInteger.Max(-max, 1), -min)))));
        }
        return string.Join(" | ", alternatives);
    }

    /// <summary>
    /// Alternatives for the non-negative integers from <paramref name="min"/> to <paramref name="max"/>, one per digit
    /// count, where consecutive counts that are whole (every number of that many digits) share one.
    /// </summary>
    private static IEnumerable<string> NonNegative(BigInteger min, BigInteger max)
    {
        int minDigits = min.ToString().Length, maxDigits = max.ToString().Length;
        int? wholeRunStart = null;
        for (int digits = minDigits; digits <= maxDigits; digits++)
        {
            var first = digits == minDigits ? min : BigInteger.Pow(10, digits - 1);
            var last = digits == maxDigits ? max : BigInteger.Pow(10, digits) - 1;
            bool whole = digits > 1 && first == BigInteger.Pow(10, digits - 1) && last == BigInteger.Pow(10, digits) - 1;
            if (whole)
            {
                wholeRunStart ??= digits;
                continue;
            }
            if (wholeRunStart is { } start)
            {
                yield return WholeDigitCounts(start, digits - 1);
                wholeRunStart = null;
            }
            yield return SameLength(first.ToString(), last.ToString());
        }
        if (wholeRunStart is { } runStart)
        {
            yield return WholeDigitCounts(runStart, maxDigits);
        }
    }

    /// <summary>Every number of <paramref name="fewest"/> to <paramref name="most"/> digits (at least 2).</summary>
    private static string WholeDigitCounts(int fewest, int most) => Gbnf.Sequence("[1-9]", Gbnf.Repeat("[0-9]", fewest - 1, most - 1));

    /// <summary>The digit strings from <paramref name="low"/> to <paramref name="high"/>, which have the same length.</summary>
    private static string SameLength(string low, string high)
    {
        if (low == high)
        {
            return Gbnf.Literal(low);
        }
        int common = 0;
        while (low[common] == high[common])
        {
            common++;
        }
        if (common > 0)
        {
            return Prefixed(low[..common], SameLength(low[common..], high[common..]));
        }
        int rest = low.Length - 1;
        // A first digit whose tail may be anything joins the whole digits in between.
        bool lowTailIsZeros = low.Skip(1).All(d => d == '0');
        bool highTailIsNines = high.Skip(1).All(d => d == '9');
        int wholeFirst = lowTailIsZeros ? low[0] : low[0] + 1;
        int wholeLast = highTailIsNines ? high[0] : high[0] - 1;

        var alternatives = new List<string>();
        if (!lowTailIsZeros)
        {
            alternatives.Add(Prefixed(low[..1], SameLength(low[1..], new string('9', rest))));
        }
        if (wholeFirst <= wholeLast)
        {
            var firstDigit = wholeFirst == wholeLast ? Gbnf.Literal(((char)wholeFirst).ToString()) : Gbnf.Class([(wholeFirst, wholeLast)]);
            alternatives.Add(Gbnf.Sequence(firstDigit, Gbnf.Repeat("[0-9]", rest, rest)));
        }
        if (!highTailIsNines)
        {
            alternatives.Add(Prefixed(high[..1], SameLength(new string('0', rest), high[1..])));
        }
        return string.Join(" | ", alternatives);
    }

    /// <summary>The digits <paramref name="prefix"/> followed by <paramref name="rest"/>, one literal where the rest is one too.</summary>
    private static string Prefixed(string prefix, string rest) =>
        rest.Length > 2 && rest[0] == '"' && rest[^1] == '"' && rest[1..^1].All(char.IsAsciiDigit)
            ? Gbnf.Literal(prefix + rest[1..^1])
            : Gbnf.Sequence(Gbnf.Literal(prefix), Gbnf.Atom(rest));
}
