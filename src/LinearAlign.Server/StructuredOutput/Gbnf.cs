using System.Globalization;
using System.Text;

namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// Writing GBNF, llama.cpp's grammar format. Its parser reads a character raw (UTF-8) or as one of the escapes \xHH,
/// \uHHHH, \UHHHHHHHH, \t, \r, \n and a backslash before " \ [ ] -; everything outside printable ASCII is written as a
/// hex escape so that a grammar is plain ASCII text.
/// </summary>
internal static class Gbnf
{
    /// <summary>A literal that matches <paramref name="text"/> exactly, code point by code point.</summary>
    public static string Literal(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ => Printable(rune.Value),
            });
        }
        return builder.Append('"').ToString();
    }

    /// <summary>A character class of the inclusive code point ranges <paramref name="ranges"/>.</summary>
    public static string Class(IEnumerable<(int First, int Last)> ranges)
    {
        var builder = new StringBuilder("[");
        foreach (var (first, last) in ranges)
        {
            builder.Append(ClassChar(first));
            if (last > first)
            {
                builder.Append('-').Append(ClassChar(last));
            }
        }
        return builder.Append(']').ToString();
    }

    /// <summary>
    /// <paramref name="expression"/> ready to take a quantifier or to stand in a sequence: a rule name, a literal, a
    /// class or a parenthesised group stays as it is, anything else is put in parentheses.
    /// </summary>
    public static string Atom(string expression) => IsAtom(expression) ? expression : $"({expression})";

    /// <summary>Alternatives as one expression: a single one as it is, several in parentheses.</summary>
    public static string Alternatives(IReadOnlyList<string> alternatives) =>
        alternatives.Count == 1 ? alternatives[0] : $"({string.Join(" | ", alternatives)})";

    /// <summary>
    /// <paramref name="atom"/> repeated <paramref name="min"/> to <paramref name="max"/> times (null: no upper bound),
    /// in GBNF's shortest notation; empty when it may only appear 0 times.
    /// </summary>
    public static string Repeat(string atom, int min, int? max) => (min, max) switch
    {
        (_, 0) => string.Empty,
        (0, 1) => $"{Atom(atom)}?",
        (1, 1) => atom,
        (0, null) => $"{Atom(atom)}*",
        (1, null) => $"{Atom(atom)}+",
        (_, null) => $"{Atom(atom)}{{{min},}}",
        _ when min == max => $"{Atom(atom)}{{{min}}}",
        _ => $"{Atom(atom)}{{{min},{max}}}",
    };

    /// <summary>A sequence of expressions, the empty ones left out.</summary>
    public static string Sequence(params string[] parts) => string.Join(" ", parts.Where(p => p.Length > 0));

    /// <summary>A rule name made of the characters GBNF allows in one (letters, digits and '-').</summary>
    public static string RuleName(string hint)
    {
        var builder = new StringBuilder(hint.Length);
        foreach (char c in hint)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }
        return builder.Length == 0 ? "rule" : builder.ToString();
    }

    private static bool IsAtom(string expression)
    {
        if (expression.Length == 0)
        {
            return false;
        }
        if (expression.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return true;
        }
        char open = expression[0];
        char close = open switch { '"' => '"', '[' => ']', '(' => ')', _ => '\0' };
        return close != '\0' && ClosingIndex(expression, open, close) == expression.Length - 1;
    }

    /// <summary>Where the literal, class or group that opens <paramref name="expression"/> closes.</summary>
    private static int ClosingIndex(string expression, char open, char close)
    {
        int depth = 0;
        bool inLiteral = false, inClass = false;
        for (int i = 0; i < expression.Length; i++)
        {
            char c = expression[i];
            if (c == '\\')
            {
                i++;
                continue;
            }
            if (inLiteral)
            {
                inLiteral = c != '"';
            }
            else if (inClass)
            {
                inClass = c != ']';
            }
            else if (c == '"')
            {
                inLiteral = true;
            }
            else if (c == '[')
            {
                inClass = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            if (open == '(' ? depth == 0 && c == ')' : !inLiteral && !inClass && c == close)
            {
                return i;
            }
        }
        return -1;
    }

    private static string ClassChar(int codePoint) => codePoint switch
    {
        '"' or '\\' or '[' or ']' or '-' => "\\" + (char)codePoint,
        '^' => Escape(codePoint),
        _ => Printable(codePoint),
    };

    private static string Printable(int codePoint) =>
        codePoint is >= 0x20 and < 0x7F ? ((char)codePoint).ToString() : Escape(codePoint);

    private static string Escape(int codePoint) => codePoint switch
    {
        <= 0xFF => "\\x" + codePoint.ToString("X2", CultureInfo.InvariantCulture),
        <= 0xFFFF => "\\u" + codePoint.ToString("X4", CultureInfo.InvariantCulture),
        _ => "\\U" + codePoint.ToString("X8", CultureInfo.InvariantCulture),
    };
}
