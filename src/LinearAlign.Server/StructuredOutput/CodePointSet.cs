namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// A set of Unicode scalar values (surrogates are never members), as sorted, disjoint, non-adjacent inclusive ranges:
/// what a regular expression's character class, escape or dot stands for.
/// </summary>
internal sealed class CodePointSet
{
    private const int MaxCodePoint = 0x10FFFF;
    private const int SurrogateFirst = 0xD800;
    private const int SurrogateLast = 0xDFFF;

    /// <summary>The characters JSON strings escape: the quote, the backslash and the controls below U+0020.</summary>
    private static readonly CodePointSet JsonEscaped = Of(('"', '"'), ('\\', '\\'), (0x00, 0x1F));

    /// <summary>The escapes with a letter of their own, by the character they stand for.</summary>
    private static readonly (int CodePoint, char Letter)[] ShortEscapes =
        [('"', '"'), ('\\', '\\'), ('\b', 'b'), ('\f', 'f'), ('\n', 'n'), ('\r', 'r'), ('\t', 't')];

    private const string HexDigits = "0123456789abcdef";

    private readonly List<(int First, int Last)> _ranges;

    private CodePointSet(List<(int First, int Last)> ranges) => _ranges = ranges;

    public static CodePointSet Empty { get; } = new([]);

    /// <summary>The digits 0-9: the subset of every engine's \d.</summary>
    public static CodePointSet Digits { get; } = Of(('0', '9'));

    /// <summary>ASCII letters, digits and '_': the subset of every engine's \w.</summary>
    public static CodePointSet WordCharacters { get; } = Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));

    /// <summary>ECMAScript's \s, which .NET's \s matches too.</summary>
    public static CodePointSet Whitespace { get; } = Of(
        ('\t', '\r'), (' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
        (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF));

    /// <summary>
    /// Printable ASCII: \D and \W are taken within it, because outside it engines disagree (.NET's \d and \w match
    /// every script's digits and letters), and a character that one engine's \D matches must not fail another's.
    /// </summary>
    public static CodePointSet PrintableAscii { get; } = Of((' ', '~'));

    /// <summary>What a dot matches: everything but line terminators.</summary>
    public static CodePointSet Dot { get; } = Of(('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)).Complement();

    public bool IsEmpty => _ranges.Count == 0;

    public static CodePointSet Single(int codePoint) => Of((codePoint, codePoint));

    public static CodePointSet Of(params (int First, int Last)[] ranges) => Normalised(ranges);

    public CodePointSet Union(CodePointSet other) => Normalised(_ranges.Concat(other._ranges));

    public CodePointSet Complement()
    {
        var complement = new List<(int, int)>();
        int next = 0;
        foreach (var (first, last) in _ranges)
        {
            if (first > next)
            {
                complement.Add((next, first - 1));
            }
            next = last + 1;
        }
        if (next <= MaxCodePoint)
        {
            complement.Add((next, MaxCodePoint));
        }
        return Normalised(complement);
    }

    public CodePointSet Intersect(CodePointSet other) => Complement().Union(other.Complement()).Complement();

    public CodePointSet Except(CodePointSet other) => Intersect(other.Complement());

    public bool Contains(int codePoint) => _ranges.Any(r => r.First <= codePoint && codePoint <= r.Last);

    /// <summary>
    /// A GBNF expression for one character of this set as it appears inside a JSON string: written raw where JSON
    /// allows that, escaped where it must be (\" \\ \n ... and \u00XX for the other controls).
    /// </summary>
    public string JsonCharacterGrammar()
    {
        var alternatives = new List<string>();
        var raw = Except(JsonEscaped);
        if (!raw.IsEmpty)
        {
            alternatives.Add(Gbnf.Class(raw._ranges));
        }
        var letters = ShortEscapes.Where(e => Contains(e.CodePoint)).Select(e => (int)e.Letter).ToList();
        if (letters.Count > 0)
        {
            alternatives.Add($"\"\\\\\" {Gbnf.Class(Normalised(letters.Select(l => (l, l)))._ranges)}");
        }
        // The other controls as \u000X and \u001X, one alternative per leading digit however many of them there are.
        foreach (int high in (int[])[0, 1])
        {
            var lowDigits = Enumerable.Range(high * 16, 16)
                .Where(c => Contains(c) && ShortEscapes.All(e => e.CodePoint != c))
                .Select(c => (int)HexDigits[c & 0xF])
                .ToList();
            if (lowDigits.Count > 0)
            {
                alternatives.Add($"{Gbnf.Literal($"\\u00{high}")} {Gbnf.Class(Normalised(lowDigits.Select(d => (d, d)))._ranges)}");
            }
        }
        return Gbnf.Alternatives(alternatives);
    }

    private static CodePointSet Normalised(IEnumerable<(int First, int Last)> ranges)
    {
        var merged = new List<(int First, int Last)>();
        foreach (var (first, last) in ranges.SelectMany(WithoutSurrogates).OrderBy(r => r.First))
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, last));
            }
            else
            {
                merged.Add((first, last));
            }
        }
        return new CodePointSet(merged);
    }

    private static IEnumerable<(int First, int Last)> WithoutSurrogates((int First, int Last) range)
    {
        if (range.First < SurrogateFirst)
        {
            yield return (range.First, Math.Min(range.Last, SurrogateFirst - 1));
        }
        if (range.Last > SurrogateLast)
        {
            yield return (Math.Max(range.First, SurrogateLast + 1), range.Last);
        }
    }
}
