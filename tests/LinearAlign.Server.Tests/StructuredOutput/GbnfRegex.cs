using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>
/// Matches text against a grammar the converter wrote, by turning it into a .NET regular expression: GBNF's
/// operators are a regular expression's, so a grammar without recursion is one once its rules are inlined. It reads
/// the converter's layout (one rule per line) and only BMP characters, which is what the tests need.
/// </summary>
public static class GbnfRegex
{
    public static bool Accepts(string grammar, string text) => For(grammar).IsMatch(text);

    public static Regex For(string grammar)
    {
        var rules = grammar.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(" ::= ", 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
        return new Regex($"^(?:{Translate("root", rules, [])})$", RegexOptions.CultureInvariant);
    }

    private static string Translate(string rule, Dictionary<string, string> rules, HashSet<string> expanding)
    {
        if (!expanding.Add(rule))
        {
            throw new InvalidOperationException($"rule {rule} is recursive: the grammar is no regular expression");
        }
        string body = rules[rule];
        var regex = new StringBuilder();
        int i = 0;
        while (i < body.Length)
        {
            char c = body[i];
            if (c == ' ')
            {
                i++;
            }
            else if (c == '"')
            {
                for (i++; body[i] != '"';)
                {
                    (int codePoint, i) = ReadChar(body, i);
                    regex.Append(Regex.Escape(char.ConvertFromUtf32(codePoint)));
                }
                i++;
            }
            else if (c == '[')
            {
                regex.Append('[');
                i++;
                if (body[i] == '^')
                {
                    regex.Append('^');
                    i++;
                }
                while (body[i] != ']')
                {
                    (int first, i) = ReadChar(body, i);
                    int last = first;
                    if (body[i] == '-' && body[i + 1] != ']')
                    {
                        (last, i) = ReadChar(body, i + 1);
                    }
                    if (first <= 0xFFFF)
                    {
                        regex.Append(ClassChar(first)).Append('-').Append(ClassChar(Math.Min(last, 0xFFFF)));
                    }
                }
                regex.Append(']');
                i++;
            }
            else if (c == '{')
            {
                int close = body.IndexOf('}', i);
                regex.Append(body, i, close - i + 1);
                i = close + 1;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '-')
            {
                int start = i;
                while (i < body.Length && (char.IsAsciiLetterOrDigit(body[i]) || body[i] == '-'))
                {
                    i++;
                }
                regex.Append("(?:").Append(Translate(body[start..i], rules, expanding)).Append(')');
            }
            else
            {
                regex.Append(c == '(' ? "(?:" : c.ToString());
                i++;
            }
        }
        expanding.Remove(rule);
        return regex.ToString();
    }

    private static (int CodePoint, int Next) ReadChar(string body, int i)
    {
        if (body[i] != '\\')
        {
            return (body[i], i + 1);
        }
        return body[i + 1] switch
        {
            'x' => (Hex(body, i + 2, 2), i + 4),
            'u' => (Hex(body, i + 2, 4), i + 6),
            'U' => (Hex(body, i + 2, 8), i + 10),
            't' => ('\t', i + 2),
            'r' => ('\r', i + 2),
            'n' => ('\n', i + 2),
            char escaped => (escaped, i + 2),
        };
    }

    private static int Hex(string body, int start, int length) => int.Parse(body.AsSpan(start, length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static string ClassChar(int codePoint) => $"\\u{codePoint:X4}";
}
