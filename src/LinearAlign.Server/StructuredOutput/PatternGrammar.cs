using System.Globalization;
using System.Text;

namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// GBNF for the JSON string contents (between the quotes, escapes included) whose decoded text a regular expression
/// matches, for the practical subset of ECMAScript regular expressions that a context-free grammar can express:
/// literals, classes, the escapes \d \w \s (and their negations), dot, groups, alternation, the quantifiers ? * +
/// {m} {m,} {m,n} (lazy ones match the same strings), and ^ and $ at the ends of an alternative. Lookarounds,
/// backreferences, word boundaries, Unicode property escapes and inline flags are refused. An alternative without ^
/// may start with any text and one without $ end with any, as JSON Schema's unanchored matching has it.
/// Where engines disagree (\d, \w and \s outside ASCII), the grammar keeps to what they all match.
/// </summary>
internal sealed class PatternGrammar
{
    private readonly string _pattern;
    private readonly Func<string, Exception> _refusal;
    private int _position;

    private PatternGrammar(string pattern, Func<string, Exception> refusal)
    {
        _pattern = pattern;
        _refusal = refusal;
    }

    /// <summary>An element of a sequence: a grammar expression, the literal text it stands for when it is one, or an anchor.</summary>
    private sealed record Piece(string Expression, string? LiteralText = null, char Anchor = '\0');

    /// <summary>
    /// The grammar expression (a sequence, or alternatives in parentheses) for the contents of a string that
    /// <paramref name="pattern"/> matches; throws what
    /// <paramref name="refusal"/> makes of the reason where the pattern leaves the subset.
    /// </summary>
    /// <param name="anyCharacter">The rule for any character of a JSON string, for the unanchored ends (asked for only when one is).</param>
    public static string ToGrammar(string pattern, Func<string> anyCharacter, Func<string, Exception> refusal)
    {
        var parser = new PatternGrammar(pattern, refusal);
        var alternatives = new List<string>();
        do
        {
            var pieces = parser.ParseSequence();
            bool anchoredStart = pieces.Count > 0 && pieces[0].Anchor == '^';
            bool anchoredEnd = pieces.Count > 0 && pieces[^1].Anchor == '$';
            var inner = pieces.Skip(anchoredStart ? 1 : 0).Take(pieces.Count - (anchoredStart ? 1 : 0) - (anchoredEnd ? 1 : 0)).ToList();
            if (inner.Any(p => p.Anchor != '\0'))
            {
                throw refusal("^ and $ are supported only at the start and the end of the pattern or of a top-level alternative");
            }
            alternatives.Add(Gbnf.Sequence(
                anchoredStart ? string.Empty : $"{anyCharacter()}*",
                Join(inner),
                anchoredEnd ? string.Empty : $"{anyCharacter()}*"));
        }
        while (parser.TryTake('|'));
        if (parser._position < pattern.Length)
        {
            throw refusal($"unbalanced ')' at offset {parser._position}");
        }
        return Gbnf.Alternatives([.. alternatives.Select(a => a.Length == 0 ? "\"\"" : a)]);
    }

    private string ParseAlternation()
    {
        var alternatives = new List<string>();
        do
        {
            var pieces = ParseSequence();
            if (pieces.Any(p => p.Anchor != '\0'))
            {
                throw _refusal("^ and $ are supported only at the start and the end of the pattern or of a top-level alternative");
            }
            var sequence = Join(pieces);
            alternatives.Add(sequence.Length == 0 ? "\"\"" : sequence);
        }
        while (TryTake('|'));
        return string.Join(" | ", alternatives);
    }

    private List<Piece> ParseSequence()
    {
        var pieces = new List<Piece>();
        while (_position < _pattern.Length && _pattern[_position] is not ('|' or ')'))
        {
            var atom = ParseAtom();
            var quantified = ParseQuantifier(atom);
            pieces.Add(quantified);
        }
        return pieces;
    }

    /// <summary>A sequence, adjacent literal characters merged into one literal.</summary>
    private static string Join(IEnumerable<Piece> pieces)
    {
        var parts = new List<string>();
        var literal = new StringBuilder();
        foreach (var piece in pieces)
        {
            if (piece.LiteralText is not null)
            {
                literal.Append(piece.LiteralText);
                continue;
            }
            if (literal.Length > 0)
            {
                parts.Add(Gbnf.Literal(literal.ToString()));
                literal.Clear();
            }
            parts.Add(piece.Expression);
        }
        if (literal.Length > 0)
        {
            parts.Add(Gbnf.Literal(literal.ToString()));
        }
        return Gbnf.Sequence([.. parts]);
    }

    private Piece ParseAtom()
    {
        int c = NextCodePoint();
        switch (c)
        {
            case '^':
            case '$':
                return new Piece(string.Empty, Anchor: (char)c);
            case '.':
                return new Piece(CodePointSet.Dot.JsonCharacterGrammar());
            case '(':
                return ParseGroup();
            case '[':
                return new Piece(Checked(ParseClass(), "[...]").JsonCharacterGrammar());
            case '\\':
                return ParseEscape();
            case '*' or '+' or '?':
                throw _refusal($"'{(char)c}' at offset {_position - 1} has nothing to repeat");
        }
        return LiteralPiece(c);
    }

    private Piece ParseGroup()
    {
        // Non-capturing and named groups match what capturing ones do; anything else after "(?" is a lookaround or a flag.
        if (TryTake('?') && !TryTake(':'))
        {
            bool named = TryTake('<') && _position < _pattern.Length && _pattern[_position] is not ('=' or '!');
            int nameEnd = _pattern.IndexOf('>', _position);
            if (!named || nameEnd < 0)
            {
                throw _refusal("lookarounds and inline flags ((?=, (?!, (?<=, (?<!, (?i) ...) cannot be expressed in a grammar");
            }
            _position = nameEnd + 1;
        }
        var alternation = ParseAlternation();
        if (!TryTake(')'))
        {
            throw _refusal("unterminated group");
        }
        return new Piece($"({alternation})");
    }

    private Piece ParseQuantifier(Piece atom)
    {
        if (_position >= _pattern.Length)
        {
            return atom;
        }
        int start = _position;
        (int Min, int? Max)? bounds = _pattern[_position] switch
        {
            '?' => (0, 1),
            '*' => (0, null),
            '+' => (1, null),
            '{' => ParseBraces(),
            _ => null,
        };
        if (bounds is not { } quantifier)
        {
            _position = start;
            return atom;
        }
        if (_pattern[start] != '{')
        {
            _position++;
        }
        if (atom.Anchor != '\0')
        {
            throw _refusal("an anchor cannot be repeated");
        }
        TryTake('?'); // Lazy: the same strings match.
        var atomExpression = atom.LiteralText is not null ? Gbnf.Literal(atom.LiteralText) : atom.Expression;
        var repeated = Gbnf.Repeat(atomExpression, quantifier.Min, quantifier.Max);
        return new Piece(repeated.Length == 0 ? "\"\"" : repeated);
    }

    /// <summary>{m}, {m,} or {m,n} at the position, consumed; null (nothing consumed) where the brace is a literal.</summary>
    private (int, int?)? ParseBraces()
    {
        int close = _pattern.IndexOf('}', _position);
        if (close < 0)
        {
            return null;
        }
        var parts = _pattern[(_position + 1)..close].Split(',');
        if (parts.Length > 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int min))
        {
            return null;
        }
        int? max = min;
        if (parts.Length == 2)
        {
            if (parts[1].Length == 0)
            {
                max = null;
            }
            else if (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int upper) && upper >= min)
            {
                max = upper;
            }
            else
            {
                return null;
            }
        }
        _position = close + 1;
        return (min, max);
    }

    private CodePointSet ParseClass()
    {
        bool negated = TryTake('^');
        var set = CodePointSet.Empty;
        while (_position < _pattern.Length && _pattern[_position] != ']')
        {
            var (low, lowSet) = ParseClassMember();
            if (lowSet is not null)
            {
                set = set.Union(lowSet);
                continue;
            }
            if (_position + 1 < _pattern.Length && _pattern[_position] == '-' && _pattern[_position + 1] != ']')
            {
                _position++;
                var (high, highSet) = ParseClassMember();
                if (highSet is not null || high < low)
                {
                    throw _refusal("a class range must go from a character up to a character");
                }
                set = set.Union(CodePointSet.Of((low, high)));
            }
            else
            {
                set = set.Union(CodePointSet.Single(low));
            }
        }
        if (!TryTake(']'))
        {
            throw _refusal("unterminated character class");
        }
        return negated ? set.Complement() : set;
    }

    /// <summary>One character of a class, or the set of an escape like \d.</summary>
    private (int CodePoint, CodePointSet? Set) ParseClassMember()
    {
        int c = NextCodePoint();
        if (c != '\\')
        {
            return (c, null);
        }
        int escaped = NextCodePoint();
        if (escaped == 'b')
        {
            return ('\b', null); // In a class, \b is the backspace.
        }
        _position -= char.ConvertFromUtf32(escaped).Length;
        var piece = ParseEscapeAfterBackslash(out var set);
        return set is not null ? (0, set) : (char.ConvertToUtf32(piece, 0), null);
    }

    private Piece ParseEscape()
    {
        var text = ParseEscapeAfterBackslash(out var set);
        return set is not null ? new Piece(Checked(set, "\\").JsonCharacterGrammar()) : LiteralPiece(char.ConvertToUtf32(text, 0));
    }

    /// <summary>The character an escape stands for, or null with <paramref name="set"/> for a class escape (\d ...).</summary>
    private string ParseEscapeAfterBackslash(out CodePointSet? set)
    {
        set = null;
        int c = NextCodePoint();
        switch (c)
        {
            case 'd': set = CodePointSet.Digits; return string.Empty;
            case 'D': set = CodePointSet.PrintableAscii.Except(CodePointSet.Digits); return string.Empty;
            case 'w': set = CodePointSet.WordCharacters; return string.Empty;
            case 'W': set = CodePointSet.PrintableAscii.Except(CodePointSet.WordCharacters); return string.Empty;
            case 's': set = CodePointSet.Of((' ', ' '), ('\t', '\r')); return string.Empty;
            case 'S': set = CodePointSet.Whitespace.Complement(); return string.Empty;
            case 't': return "\t";
            case 'n': return "\n";
            case 'r': return "\r";
            case 'f': return "\f";
            case 'v': return "\v";
            case '0': return "\0";
            case 'x': return char.ConvertFromUtf32(HexDigits(2));
            case 'u': return char.ConvertFromUtf32(HexDigits(4));
            case 'b' or 'B':
                throw _refusal("word boundaries (\\b, \\B) cannot be expressed in a grammar");
            case >= '1' and <= '9' or 'k':
                throw _refusal("backreferences cannot be expressed in a grammar");
            case 'p' or 'P':
                throw _refusal("Unicode property escapes (\\p, \\P) are not supported");
            case 'c':
                throw _refusal("control escapes (\\c) are not supported");
        }
        if (char.IsAsciiLetterOrDigit((char)c))
        {
            throw _refusal($"unknown escape \\{(char)c}");
        }
        return char.ConvertFromUtf32(c);
    }

    private int HexDigits(int count)
    {
        if (_position + count > _pattern.Length
            || !int.TryParse(_pattern.AsSpan(_position, count), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
        {
            throw _refusal($"\\x and \\u take {count} hex digits");
        }
        _position += count;
        return value;
    }

    private CodePointSet Checked(CodePointSet set, string what)
    {
        if (set.IsEmpty)
        {
            throw _refusal($"{what} at offset {_position} matches no character");
        }
        return set;
    }

    private static Piece LiteralPiece(int codePoint)
    {
        var set = CodePointSet.Single(codePoint);
        var grammar = set.JsonCharacterGrammar();
        // A literal character is written the one way JSON needs: raw, or as its escape.
        return new Piece(grammar, LiteralText: JsonText.EscapedContent(char.ConvertFromUtf32(codePoint)));
    }

    private int NextCodePoint()
    {
        if (_position >= _pattern.Length)
        {
            throw _refusal("the pattern ends in the middle of a construct");
        }
        if (char.IsSurrogatePair(_pattern, _position))
        {
            _position += 2;
            return char.ConvertToUtf32(_pattern, _position - 2);
        }
        if (char.IsSurrogate(_pattern[_position]))
        {
            throw _refusal($"a lone surrogate at offset {_position}");
        }
        return _pattern[_position++];
    }

    private bool TryTake(char expected)
    {
        if (_position < _pattern.Length && _pattern[_position] == expected)
        {
            _position++;
            return true;
        }
        return false;
    }
}
