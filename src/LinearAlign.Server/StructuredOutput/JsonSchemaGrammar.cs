using System.Numerics;
using System.Text.Json;

namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// Converts a JSON Schema into a GBNF grammar (root rule <c>root</c>) for llama.cpp's grammar sampler, so that
/// whatever the model writes is a JSON document the schema accepts. A keyword that constrains values and that the
/// grammar cannot express exactly is refused with an <see cref="UnsupportedSchemaException"/>, never dropped: a
/// less constrained grammar would let through output the client's schema rejects.
/// </summary>
/// <remarks>
/// Supported: <c>type</c> (one or an array: nullable types), <c>enum</c>, <c>const</c>, <c>properties</c>,
/// <c>required</c>, <c>additionalProperties</c> (see <see cref="ObjectGrammar"/>), <c>items</c>, <c>minItems</c>,
/// <c>maxItems</c>, <c>minLength</c>, <c>maxLength</c>, <c>pattern</c> (see <see cref="PatternGrammar"/>),
/// <c>format</c> (date, time, date-time, uuid), <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>,
/// <c>exclusiveMaximum</c> (any integer range; for numbers only inclusive integer bounds), <c>anyOf</c>,
/// <c>oneOf</c> (as anyOf: the grammar cannot exclude a value that two alternatives both accept), <c>allOf</c> with
/// one schema, and <c>$ref</c> to any JSON pointer in the document (#/$defs/..., #/definitions/..., # itself),
/// recursion included. Annotations are ignored. Every other keyword is refused, unknown ones too.
/// Numbers are generated without exponent where bounded, and with at most 16 integer digits where not.
/// </remarks>
public sealed class JsonSchemaGrammar
{
    private const string RootRule = "root";
    private const string Quote = "\"\\\"\"";

    /// <summary>Keywords that describe and never constrain.</summary>
    private static readonly HashSet<string> Annotations =
    [
        "title", "description", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly",
        // Where referenced schemas live; $ref reaches them.
        "$defs", "definitions",
    ];

    private static readonly string[] ObjectKeywords = ["properties", "required", "additionalProperties"];
    private static readonly string[] ArrayKeywords = ["items", "minItems", "maxItems"];
    private static readonly string[] StringKeywords = ["minLength", "maxLength", "pattern", "format"];
    private static readonly string[] NumericKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];
    private static readonly string[] CompositionKeywords = ["type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref"];
    private static readonly string[] Types = ["object", "array", "string", "number", "integer", "boolean", "null"];
    private static readonly string[] Formats = ["date", "time", "date-time", "uuid"];

    /// <summary>Integers and the integer part of numbers have at most this many digits where the schema sets no bound, as llama.cpp's do.</summary>
    private static readonly BigInteger UnboundedLimit = BigInteger.Pow(10, 16) - 1;

    private static readonly HashSet<string> SupportedKeywords =
        [.. ObjectKeywords, .. ArrayKeywords, .. StringKeywords, .. NumericKeywords, .. CompositionKeywords];

    private readonly JsonElement _document;
    /// <summary>Rule names in the order they were claimed, and the body of each once it is written.</summary>
    private readonly List<string> _ruleOrder = [];
    private readonly Dictionary<string, string?> _rules = [];
    private readonly List<string> _sharedRules = [];
    /// <summary>The rule of each $ref target, by reference, named before the target is converted so that it may refer to itself.</summary>
    private readonly Dictionary<string, string> _referenceRules = [];
    /// <summary>Rule names handed down to the schema being converted, see <see cref="Claim"/>.</summary>
    private readonly HashSet<string> _handedDown = [];

    private JsonSchemaGrammar(JsonElement document) => _document = document;

    /// <summary>The GBNF grammar of the JSON documents <paramref name="schema"/> accepts, with root rule <c>root</c>.</summary>
    /// <exception cref="UnsupportedSchemaException">The schema uses a keyword, or a form of one, the grammar cannot express.</exception>
    public static string FromSchema(JsonElement schema)
    {
        var converter = new JsonSchemaGrammar(schema);
        converter._referenceRules["#"] = converter.HandDown(RootRule);
        var expression = converter.Convert(schema, "$", RootRule);
        converter.DefineIfPending(RootRule, expression);
        return JsonGrammar.Write(converter._ruleOrder.Select(name => (name, converter._rules[name]!)), converter._sharedRules);
    }

    /// <summary>A grammar expression for the values <paramref name="schema"/> accepts: a sequence, never a bare alternation.</summary>
    /// <param name="path">Where the schema is, for errors.</param>
    /// <param name="name">The name for the rule of this schema, where it gets one.</param>
    private string Convert(JsonElement schema, string path, string name)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return Shared("value");
            case JsonValueKind.False:
                throw new UnsupportedSchemaException(path, "false", "the schema false accepts no value");
            case JsonValueKind.Object:
                break;
            default:
                throw new UnsupportedSchemaException(path, "schema", "a schema is an object or a boolean");
        }

        var keywords = schema.EnumerateObject().Select(p => p.Name).Where(k => !Annotations.Contains(k)).ToList();
        if (keywords.FirstOrDefault(k => !SupportedKeywords.Contains(k)) is { } unsupported)
        {
            throw new UnsupportedSchemaException(path, unsupported, "this keyword cannot be expressed in a grammar");
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            OnlyWith(keywords, path, "$ref");
            return Reference(reference, path);
        }
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            OnlyWith(keywords, path, "allOf");
            if (allOf.ValueKind != JsonValueKind.Array || allOf.GetArrayLength() != 1)
            {
                throw new UnsupportedSchemaException(path, "allOf", "only allOf with a single schema is supported: the grammar cannot intersect schemas");
            }
            return Convert(allOf[0], $"{path}.allOf[0]", name);
        }
        if (schema.TryGetProperty("anyOf", out var anyOf) | schema.TryGetProperty("oneOf", out var oneOf))
        {
            var keyword = anyOf.ValueKind != JsonValueKind.Undefined ? "anyOf" : "oneOf";
            OnlyWith(keywords, path, keyword);
            return Union(keyword == "anyOf" ? anyOf : oneOf, $"{path}.{keyword}", keyword, name);
        }
        if (schema.TryGetProperty("enum", out _) || schema.TryGetProperty("const", out _))
        {
            return Values(schema, keywords, path);
        }

        var types = TypesOf(schema, path) ?? InferredTypes(keywords);
        if (types.Count == 0)
        {
            return Shared("value");
        }
        var used = new HashSet<string> { "type" };
        var alternatives = types.Select(type => TypeGrammar(schema, type, path, types.Count == 1 ? name : $"{name}-{type}", used)).ToList();
        if (keywords.FirstOrDefault(k => !used.Contains(k)) is { } unused)
        {
            throw new UnsupportedSchemaException(path, unused, "this keyword applies to none of the types the schema allows");
        }
        return Gbnf.Alternatives(alternatives);
    }

    private string TypeGrammar(JsonElement schema, string type, string path, string name, HashSet<string> used)
    {
        var keywords = type switch
        {
            "object" => ObjectKeywords,
            "array" => ArrayKeywords,
            "string" => StringKeywords,
            "number" or "integer" => NumericKeywords,
            _ => [],
        };
        used.UnionWith(keywords);
        return type switch
        {
            "object" => ObjectGrammar(schema, path, name),
            "array" => ArrayGrammar(schema, path, name),
            "string" => StringGrammar(schema, path, name),
            "number" => NumberGrammar(schema, path, name),
            "integer" => IntegerGrammar(schema, path, name),
            "boolean" => Shared("boolean"),
            _ => Shared("null"),
        };
    }

    /// <summary>
    /// Properties in declaration order, each required one present and each optional one present or not. Without
    /// <c>additionalProperties</c> an object with <c>properties</c> has no others: the grammar generates values, and
    /// as in OpenAI's strict mode and llama.cpp, a generated object only has the properties the schema names.
    /// <c>additionalProperties: true</c> or a schema beside <c>properties</c> is refused (the grammar could not keep
    /// an additional name from repeating a declared one). Without <c>properties</c>, <c>additionalProperties</c>
    /// absent or true allows any object, a schema any object whose values it accepts, false only {}.
    /// </summary>
    private string ObjectGrammar(JsonElement schema, string path, string name)
    {
        bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        var required = RequiredNames(schema, path);
        if (!schema.TryGetProperty("properties", out var properties))
        {
            if (required.Count > 0)
            {
                throw new UnsupportedSchemaException(path, "required", "required names properties, but the schema declares none in properties");
            }
            if (!hasAdditional || additional.ValueKind == JsonValueKind.True)
            {
                return Shared("object");
            }
            if (additional.ValueKind == JsonValueKind.False)
            {
                return Gbnf.Sequence("\"{\"", Shared("ws"), "\"}\"");
            }
            return MapGrammar(additional, path, name);
        }
        if (properties.ValueKind != JsonValueKind.Object)
        {
            throw new UnsupportedSchemaException(path, "properties", "properties must be an object");
        }
        if (hasAdditional && additional.ValueKind != JsonValueKind.False)
        {
            throw new UnsupportedSchemaException(path, "additionalProperties",
                "only additionalProperties: false (or absent) is supported beside properties");
        }
        if (required.FirstOrDefault(r => !properties.TryGetProperty(r, out _)) is { } undeclared)
        {
            throw new UnsupportedSchemaException(path, "required", $"'{undeclared}' is required but not among the properties");
        }

        var rule = Claim(name);
        string ws = Shared("ws");
        var members = properties.EnumerateObject()
            .Select(p => (Grammar: Gbnf.Sequence(
                    Gbnf.Literal($"\"{JsonText.EscapedContent(p.Name)}\""), ws, "\":\"", ws,
                    Convert(p.Value, PropertyPath($"{path}.properties", p.Name), $"{rule}-{Gbnf.RuleName(p.Name)}")),
                IsRequired: required.Contains(p.Name)))
            .ToList();
        string separator = Gbnf.Sequence(ws, "\",\"", ws);

        // The members from i on when one was written before: each present one after a separator.
        string Following(int i) => i == members.Count
            ? string.Empty
            : Gbnf.Sequence(
                members[i].IsRequired ? Gbnf.Sequence(separator, members[i].Grammar) : $"({separator} {members[i].Grammar})?",
                Following(i + 1));

        // The members from i on when none was written yet: the first present one without a separator.
        string Leading(int i) => members[i].IsRequired || i == members.Count - 1
            ? Gbnf.Sequence(members[i].Grammar, Following(i + 1))
            : $"({Gbnf.Sequence(members[i].Grammar, Following(i + 1))} | {Leading(i + 1)})";

        string body = members.Count == 0
            ? Gbnf.Sequence("\"{\"", ws, "\"}\"")
            : members.Any(m => m.IsRequired)
                ? Gbnf.Sequence("\"{\"", ws, Leading(0), ws, "\"}\"")
                : Gbnf.Sequence("\"{\"", ws, $"({Leading(0)} {ws})?", "\"}\"");
        return Define(rule, body);
    }

    /// <summary>An object whose every value <paramref name="valueSchema"/> accepts, under any names.</summary>
    private string MapGrammar(JsonElement valueSchema, string path, string name)
    {
        var rule = Claim(name);
        string ws = Shared("ws");
        string value = Named(Convert(valueSchema, $"{path}.additionalProperties", $"{rule}-value"), $"{rule}-value");
        string member = Gbnf.Sequence(Shared("string"), ws, "\":\"", ws, value);
        return Define(rule, Gbnf.Sequence("\"{\"", ws, $"({member} ({ws} \",\" {ws} {member})* {ws})?", "\"}\""));
    }

    private string ArrayGrammar(JsonElement schema, string path, string name)
    {
        var rule = Claim(name);
        string item = Shared("value");
        if (schema.TryGetProperty("items", out var items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                throw new UnsupportedSchemaException(path, "items", "the tuple form of items (an array of schemas) is not supported");
            }
            item = Named(Convert(items, $"{path}.items", $"{rule}-item"), $"{rule}-item");
        }
        int min = NonNegativeInteger(schema, "minItems", path) ?? 0;
        int? max = NonNegativeInteger(schema, "maxItems", path);
        if (min > max)
        {
            throw new UnsupportedSchemaException(path, "maxItems", "maxItems is below minItems: no array fits");
        }
        string ws = Shared("ws");
        if (max == 0)
        {
            return Define(rule, Gbnf.Sequence("\"[\"", ws, "\"]\""));
        }
        string elements = Gbnf.Sequence(item, Gbnf.Repeat(Gbnf.Sequence(ws, "\",\"", ws, item), Math.Max(min - 1, 0), max - 1), ws);
        return Define(rule, min == 0
            ? Gbnf.Sequence("\"[\"", ws, $"({elements})?", "\"]\"")
            : Gbnf.Sequence("\"[\"", ws, elements, "\"]\""));
    }

    private string StringGrammar(JsonElement schema, string path, string name)
    {
        int? minLength = NonNegativeInteger(schema, "minLength", path);
        int? maxLength = NonNegativeInteger(schema, "maxLength", path);
        if (minLength > maxLength)
        {
            throw new UnsupportedSchemaException(path, "maxLength", "maxLength is below minLength: no string fits");
        }
        if (schema.TryGetProperty("pattern", out var pattern))
        {
            if (StringKeywords.FirstOrDefault(k => k != "pattern" && schema.TryGetProperty(k, out _)) is { } other)
            {
                throw new UnsupportedSchemaException(path, other, "cannot be combined with pattern: the grammar cannot intersect them");
            }
            if (pattern.ValueKind != JsonValueKind.String)
            {
                throw new UnsupportedSchemaException(path, "pattern", "pattern must be a string");
            }
            string contents = PatternGrammar.ToGrammar(pattern.GetString()!, () => Shared("char"), reason => new UnsupportedSchemaException(path, "pattern", reason));
            return Define(Claim(name), Gbnf.Sequence(Quote, contents, Quote));
        }
        if (schema.TryGetProperty("format", out var format))
        {
            if (minLength is not null || maxLength is not null)
            {
                throw new UnsupportedSchemaException(path, minLength is not null ? "minLength" : "maxLength", "cannot be combined with format");
            }
            if (format.ValueKind != JsonValueKind.String || !Formats.Contains(format.GetString()))
            {
                throw new UnsupportedSchemaException(path, "format", $"the supported formats are {string.Join(", ", Formats)}");
            }
            return Gbnf.Sequence(Quote, Shared(format.GetString()!), Quote);
        }
        return minLength is null && maxLength is null
            ? Shared("string")
            : Gbnf.Sequence(Quote, Gbnf.Repeat(Shared("char"), minLength ?? 0, maxLength), Quote);
    }

    private string IntegerGrammar(JsonElement schema, string path, string name)
    {
        BigInteger? min = null, max = null;
        foreach (var keyword in NumericKeywords)
        {
            if (Bound(schema, keyword, path) is not { } bound)
            {
                continue;
            }
            bool exclusiveFlag = schema.TryGetProperty($"exclusive{char.ToUpperInvariant(keyword[0])}{keyword[1..]}", out var flag) && flag.ValueKind == JsonValueKind.True;
            switch (keyword)
            {
                case "minimum":
                    min = Max(min, exclusiveFlag ? new BigInteger(decimal.Floor(bound)) + 1 : new BigInteger(decimal.Ceiling(bound)));
                    break;
                case "exclusiveMinimum":
                    min = Max(min, new BigInteger(decimal.Floor(bound)) + 1);
                    break;
                case "maximum":
                    max = Min(max, exclusiveFlag ? new BigInteger(decimal.Ceiling(bound)) - 1 : new BigInteger(decimal.Floor(bound)));
                    break;
                default:
                    max = Min(max, new BigInteger(decimal.Ceiling(bound)) - 1);
                    break;
            }
        }
        if (min is null && max is null)
        {
            return Shared("integer");
        }
        var (low, high) = DefaultBounds(min, max);
        if (low > high)
        {
            throw new UnsupportedSchemaException(path, "maximum", "the bounds leave no integer");
        }
        return Define(Claim(name), IntegerRangeGrammar.Between(low, high));
    }

    /// <summary>
    /// Numbers between inclusive integer bounds, written without exponent: an integer part below the upper bound with
    /// any fraction, or the bound itself with a zero fraction (and likewise below zero). Other bounds are refused.
    /// </summary>
    private string NumberGrammar(JsonElement schema, string path, string name)
    {
        foreach (var keyword in NumericKeywords.Where(k => schema.TryGetProperty(k, out var value) && value.ValueKind != JsonValueKind.False))
        {
            if (keyword.StartsWith("exclusive", StringComparison.Ordinal))
            {
                throw new UnsupportedSchemaException(path, keyword, "exclusive bounds on numbers cannot be expressed exactly; use minimum and maximum");
            }
            if (Bound(schema, keyword, path) is { } bound && bound != decimal.Truncate(bound))
            {
                throw new UnsupportedSchemaException(path, keyword, "bounds on numbers must be integers to be expressed exactly");
            }
        }
        decimal? minimum = Bound(schema, "minimum", path), maximum = Bound(schema, "maximum", path);
        if (minimum is null && maximum is null)
        {
            return Shared("number");
        }
        var (low, high) = DefaultBounds(minimum is { } a ? new BigInteger(a) : null, maximum is { } b ? new BigInteger(b) : null);
        if (low > high)
        {
            throw new UnsupportedSchemaException(path, "maximum", "maximum is below minimum: no number fits");
        }
        const string fraction = "(\".\" [0-9]{1,16})?";
        const string zeroFraction = "(\".\" [0]{1,16})?";
        var alternatives = new List<string>();
        if (high >= 0)
        {
            var lowest = BigInteger.Max(low, 0);
            if (lowest <= high - 1)
            {
                alternatives.Add(Gbnf.Sequence(Gbnf.Atom(IntegerRangeGrammar.Between(lowest, high - 1)), fraction));
            }
            alternatives.Add(Gbnf.Sequence(Gbnf.Literal(high.ToString()), zeroFraction));
        }
        if (low < 0)
        {
            // Magnitudes from -high (or 0) to -low; "-0" and "-0.5" are in range where 0 is.
            var smallest = BigInteger.Max(-high, 0);
            var negative = new List<string>();
            if (smallest <= -low - 1)
            {
                negative.Add(Gbnf.Sequence(Gbnf.Atom(IntegerRangeGrammar.Between(smallest, -low - 1)), fraction));
            }
            negative.Add(Gbnf.Sequence(Gbnf.Literal((-low).ToString()), zeroFraction));
            alternatives.Add(Gbnf.Sequence("\"-\"", $"({string.Join(" | ", negative)})"));
        }
        return Define(Claim(name), string.Join(" | ", alternatives));
    }

    /// <summary><c>enum</c> or <c>const</c>: exactly the listed values, each in one compact spelling, of the types <c>type</c> allows.</summary>
    private string Values(JsonElement schema, List<string> keywords, string path)
    {
        OnlyWith(keywords, path, "enum", "const", "type");
        bool hasEnum = schema.TryGetProperty("enum", out var enumValues);
        bool hasConst = schema.TryGetProperty("const", out var constValue);
        if (hasEnum && hasConst)
        {
            throw new UnsupportedSchemaException(path, "enum", "enum cannot be combined with const");
        }
        string keyword = hasConst ? "const" : "enum";
        if (hasEnum && enumValues.ValueKind != JsonValueKind.Array)
        {
            throw new UnsupportedSchemaException(path, "enum", "enum must be an array");
        }
        var types = TypesOf(schema, path);
        var literals = (hasConst ? [constValue] : enumValues.EnumerateArray().ToList())
            .Where(v => types is null || types.Any(t => HasType(v, t)))
            .Select(v => Gbnf.Literal(JsonText.Compact(v)))
            .Distinct()
            .ToList();
        if (literals.Count == 0)
        {
            throw new UnsupportedSchemaException(path, keyword, "no value it lists has a type the schema allows");
        }
        return Gbnf.Alternatives(literals);
    }

    private string Union(JsonElement alternatives, string path, string keyword, string name)
    {
        if (alternatives.ValueKind != JsonValueKind.Array || alternatives.GetArrayLength() == 0)
        {
            throw new UnsupportedSchemaException(path, keyword, $"{keyword} must be a non-empty array of schemas");
        }
        return Gbnf.Alternatives(alternatives.EnumerateArray().Select((schema, i) => Convert(schema, $"{path}[{i}]", $"{name}-{i}")).ToList());
    }

    private string Reference(JsonElement reference, string path)
    {
        if (reference.ValueKind != JsonValueKind.String)
        {
            throw new UnsupportedSchemaException(path, "$ref", "$ref must be a string");
        }
        string pointer = reference.GetString()!;
        if (_referenceRules.TryGetValue(pointer, out var existing))
        {
            return existing;
        }
        if (!pointer.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new UnsupportedSchemaException(path, "$ref", "only references into the schema itself (#/$defs/...) are supported");
        }
        var target = _document;
        string targetPath = "$";
        string lastSegment = string.Empty;
        foreach (var encoded in pointer[2..].Split('/'))
        {
            lastSegment = Uri.UnescapeDataString(encoded).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(lastSegment, out var child))
            {
                targetPath = PropertyPath(targetPath, lastSegment);
                target = child;
            }
            else if (target.ValueKind == JsonValueKind.Array && int.TryParse(lastSegment, out int index) && index >= 0 && index < target.GetArrayLength())
            {
                targetPath = $"{targetPath}[{index}]";
                target = target[index];
            }
            else
            {
                throw new UnsupportedSchemaException(path, "$ref", $"{pointer} points at nothing in the schema");
            }
        }
        var rule = HandDown(Gbnf.RuleName(lastSegment));
        _referenceRules[pointer] = rule;
        DefineIfPending(rule, Convert(target, targetPath, rule));
        return rule;
    }

    private static List<string>? TypesOf(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return null;
        }
        var names = type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                type.EnumerateArray().Select(t => t.GetString()!).Distinct().ToList(),
            _ => throw new UnsupportedSchemaException(path, "type", "type must be a type name or a non-empty array of them"),
        };
        if (names.FirstOrDefault(n => !Types.Contains(n)) is { } unknown)
        {
            throw new UnsupportedSchemaException(path, "type", $"'{unknown}' is not a JSON Schema type");
        }
        // integer is a subset of number: the union is number's grammar.
        return names.Contains("number") ? [.. names.Where(n => n != "integer")] : names;
    }

    /// <summary>Without <c>type</c>, the types whose keywords the schema uses; none means any value.</summary>
    private static List<string> InferredTypes(List<string> keywords) =>
    [
        .. new[] { ("object", ObjectKeywords), ("array", ArrayKeywords), ("string", StringKeywords), ("number", NumericKeywords) }
            .Where(t => t.Item2.Any(keywords.Contains))
            .Select(t => t.Item1),
    ];

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "string" => value.ValueKind == JsonValueKind.String,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "number" => value.ValueKind == JsonValueKind.Number,
        _ => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && d == decimal.Truncate(d),
    };

    private static HashSet<string> RequiredNames(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("required", out var required))
        {
            return [];
        }
        if (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
        {
            throw new UnsupportedSchemaException(path, "required", "required must be an array of property names");
        }
        return [.. required.EnumerateArray().Select(r => r.GetString()!)];
    }

    private static int? NonNegativeInteger(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value))
        {
            return null;
        }
        if (!value.TryGetInt32(out int count) || count < 0)
        {
            throw new UnsupportedSchemaException(path, keyword, $"{keyword} must be a non-negative integer");
        }
        return count;
    }

    /// <summary>A numeric bound's value; null where it is absent or a draft-4 boolean (which modifies minimum or maximum).</summary>
    private static decimal? Bound(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value) || value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return null;
        }
        if (!value.TryGetDecimal(out var bound))
        {
            throw new UnsupportedSchemaException(path, keyword, $"{keyword} must be a number within ±7.9e28");
        }
        return bound;
    }

    /// <summary>The bounds with a missing one set to the number of digits a value has where the schema sets no bound.</summary>
    private static (BigInteger Low, BigInteger High) DefaultBounds(BigInteger? min, BigInteger? max) =>
        (min ?? BigInteger.Min(-UnboundedLimit, max!.Value), max ?? BigInteger.Max(UnboundedLimit, min!.Value));

    private static BigInteger Max(BigInteger? a, BigInteger b) => a is { } x ? BigInteger.Max(x, b) : b;

    private static BigInteger Min(BigInteger? a, BigInteger b) => a is { } x ? BigInteger.Min(x, b) : b;

    /// <summary>Refuses the first keyword beside <paramref name="allowed"/>: <paramref name="allowed"/>[0] takes the schema over.</summary>
    private static void OnlyWith(List<string> keywords, string path, params string[] allowed)
    {
        if (keywords.FirstOrDefault(k => !allowed.Contains(k)) is { } other)
        {
            throw new UnsupportedSchemaException(path, other, $"cannot be combined with {allowed[0]}: the grammar cannot intersect schemas");
        }
    }

    private static string PropertyPath(string path, string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$')
            ? $"{path}.{name}"
            : $"{path}['{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";

    private string Shared(string rule)
    {
        if (!_sharedRules.Contains(rule))
        {
            _sharedRules.Add(rule);
        }
        return rule;
    }

    /// <summary>
    /// The name for the rule of the schema being converted: <paramref name="name"/> itself where it was handed down
    /// (a $ref target's or the root's rule, already referred to), else a new name.
    /// </summary>
    private string Claim(string name) => _handedDown.Remove(name) ? name : Fresh(name);

    /// <summary>A rule name no other rule has, made from <paramref name="hint"/>, for a rule defined later.</summary>
    private string Fresh(string hint)
    {
        string candidate = hint;
        for (int suffix = 2; _rules.ContainsKey(candidate) || JsonGrammar.IsSharedRule(candidate); suffix++)
        {
            candidate = $"{hint}-{suffix}";
        }
        _rules[candidate] = null;
        _ruleOrder.Add(candidate);
        return candidate;
    }

    /// <summary>A new rule name for the schema converted next to claim as its own rule.</summary>
    private string HandDown(string hint)
    {
        var rule = Fresh(hint);
        _handedDown.Add(rule);
        return rule;
    }

    private string Define(string rule, string body)
    {
        _rules[rule] = body;
        return rule;
    }

    /// <summary>Defines a handed-down rule as <paramref name="expression"/> where the schema did not claim it (it needed no rule of its own).</summary>
    private void DefineIfPending(string rule, string expression)
    {
        _handedDown.Remove(rule);
        if (_rules[rule] is null)
        {
            _rules[rule] = expression;
        }
    }

    /// <summary><paramref name="expression"/> as a rule name: itself where it is one, else a new rule named <paramref name="name"/>.</summary>
    private string Named(string expression, string name) =>
        expression.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? expression : Define(Claim(name), expression);
}
