namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// GBNF rules for JSON text, shared by <c>response_format: {"type": "json_object"}</c> and the schema converter.
/// Whitespace is bounded: between two tokens at most one space, or one newline and up to 20 spaces or tabs of
/// indentation, and none before the first token or after the last. A model whose grammar allowed any run of
/// whitespace could spend its whole budget on it, where every step moves the document on here.
/// </summary>
public static class JsonGrammar
{
    /// <summary>The rules by name, each with the rules it refers to.</summary>
    private static readonly Dictionary<string, (string Body, string[] Uses)> Rules = new()
    {
        ["ws"] = ("(\" \" | \"\\n\" [ \\t]{0,20})?", []),
        ["value"] = ("object | array | string | number | \"true\" | \"false\" | \"null\"", ["object", "array", "string", "number"]),
        ["object"] = ("\"{\" ws (member (ws \",\" ws member)* ws)? \"}\"", ["ws", "member"]),
        ["member"] = ("string ws \":\" ws value", ["string", "ws", "value"]),
        ["array"] = ("\"[\" ws (value (ws \",\" ws value)* ws)? \"]\"", ["ws", "value"]),
        ["string"] = ("\"\\\"\" char* \"\\\"\"", ["char"]),
        // A character of a JSON string: raw (not a quote, a backslash or a control), or an escape. A \u escape names
        // a UTF-16 code unit: a high surrogate only with the low one after it, so that the text decodes.
        ["char"] = ("[^\"\\\\\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" utf16-escape)", ["utf16-escape"]),
        ["utf16-escape"] = ("[0-9a-cA-CefEF] hex{3} | [dD] [0-7] hex{2} | [dD] [89abAB] hex{2} \"\\\\u\" [dD] [c-fC-F] hex{2}", ["hex"]),
        ["hex"] = ("[0-9a-fA-F]", []),
        // Digits and exponent bounded like llama.cpp's: beyond them a double loses the value anyway.
        ["number"] = ("\"-\"? (\"0\" | [1-9] [0-9]{0,15}) (\".\" [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?", []),
        ["integer"] = ("\"-\"? (\"0\" | [1-9] [0-9]{0,15})", []),
        ["boolean"] = ("\"true\" | \"false\"", []),
        ["null"] = ("\"null\"", []),
        // RFC 3339 (JSON Schema's formats), narrowed to dates every calendar has: no February 29 and no leap second.
        ["date"] = ("[1-9] [0-9]{3} \"-\" (\"02-\" day-28 | (\"0\" [469] | \"11\") \"-\" (day-28 | \"29\" | \"30\") | (\"0\" [13578] | \"1\" [02]) \"-\" (day-28 | \"29\" | \"30\" | \"31\"))", ["day-28"]),
        ["day-28"] = ("\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8]", []),
        ["time"] = ("([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{1,6})? (\"Z\" | [+-] ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9])", []),
        ["date-time"] = ("date \"T\" time", ["date", "time"]),
        ["uuid"] = ("hex{8} \"-\" hex{4} \"-\" hex{4} \"-\" hex{4} \"-\" hex{12}", ["hex"]),
    };

    /// <summary>The grammar for <c>response_format: {"type": "json_object"}</c>: any JSON object, and only an object.</summary>
    public static string JsonObject { get; } = Write([("root", "object")], ["object"]);

    /// <summary>Whether <paramref name="name"/> is one of the shared rules, which a converter must not reuse for its own.</summary>
    internal static bool IsSharedRule(string name) => Rules.ContainsKey(name);

    /// <summary>
    /// A grammar of <paramref name="ownRules"/>, in order, followed by the shared rules named in <paramref name="usedShared"/>
    /// and those they refer to.
    /// </summary>
    internal static string Write(IEnumerable<(string Name, string Body)> ownRules, IEnumerable<string> usedShared)
    {
        var shared = new List<string>();
        var pending = new Stack<string>(usedShared.Reverse());
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (shared.Contains(name))
            {
                continue;
            }
            shared.Add(name);
            foreach (var used in Rules[name].Uses.Reverse())
            {
                pending.Push(used);
            }
        }
        var lines = ownRules.Select(r => $"{r.Name} ::= {r.Body}").Concat(shared.Select(name => $"{name} ::= {Rules[name].Body}"));
        return string.Join("\n", lines) + "\n";
    }
}
