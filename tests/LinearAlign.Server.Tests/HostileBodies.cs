using System.Buffers;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LinearAlign.Server.Tests;

/// <summary>The server's limits that decide whether a value is out of range.</summary>
public sealed record ServerLimits(int VocabularySize, long MaxRequestBytes, int MaxChoices, float MinStepSize, float MaxStepSize);

/// <summary>A request body the API must refuse with a 4xx: what was done to it, and the bytes that result.</summary>
public sealed record HostileBody(int Index, string Path, string Mutation, string Detail, byte[] Utf8)
{
    private const int ShownChars = 300;

    /// <summary>Short enough to read in a failure report, exact enough to replay: bytes that are not printable UTF-8 show as \xNN.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var rest = Utf8.AsSpan();
        while (!rest.IsEmpty && text.Length < ShownChars)
        {
            var status = Rune.DecodeFromUtf8(rest, out var rune, out var decoded);
            var consumed = Math.Max(decoded, 1);
            if (status == OperationStatus.Done && !Rune.IsControl(rune))
            {
                text.Append(rune.ToString());
            }
            else
            {
                foreach (var b in rest[..consumed])
                {
                    text.Append($"\\x{b:X2}");
                }
            }
            rest = rest[consumed..];
        }
        var more = rest.IsEmpty ? "" : $"… ({Utf8.Length} bytes)";
        return $"#{Index} {Mutation}({Detail}) POST {Path} {text}{more}";
    }
}

/// <summary>
/// Request bodies that are wrong by construction, the same for the same seed. Each starts from a cheap valid body
/// (max_tokens 2, greedy) and breaks one thing in it, so that a body the server wrongly accepted still costs little
/// to serve. A few are valid JSON that no server can honour: a prompt far beyond the context, a body over the limit.
/// </summary>
public sealed class HostileBodies
{
    public const string ChatCompletions = "/v1/chat/completions";
    public const string Completions = "/v1/completions";
    public const string Tokenize = "/tokenize";
    public const string Detokenize = "/detokenize";

    public static readonly IReadOnlyList<string> Paths = [ChatCompletions, Completions, Tokenize, Detokenize];

    private static readonly string[] Generation = [ChatCompletions, Completions];

    private static readonly JsonSerializerOptions RawUnicode = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Stands for bytes that no string can hold (invalid UTF-8) until the body is encoded.</summary>
    private const string Splice = "\uE000";

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private static readonly string[] BadEscapes =
    [
        @"\u12", @"\u12G4", @"\u", @"\uZZZZ", @"\x41", @"\q", @"\U0041", @"\a", @"\0", @"\'", @"\ud800", @"\udfff",
        @"\ud83d", @"\ud800\u0041", @"\udc00\ud800", "\u0001", "\u001f", "\n", "\t",
    ];

    private static readonly string[] NonJsonNumbers =
    [
        "NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "inf", "nan", "+1", "01", "-01", "00", "1.", ".5", "-.5", "1e",
        "1e+", "1E-", "0x10", "0b1", "1_000", "--1", "1.5.2", "١", "１", "∞", "undefined", "None", "True", "NULL", "nil",
    ];

    private static readonly string[] UnknownRoles =
    [
        "tool", "function", "root", "", "USER", "User", " user", "user ", "System", "ässistant", "model", "human", "bot",
        "ai", "user\u0000", "assistant\n", "𝓊𝓈ℯ𝓇", "developers", "sys",
    ];

    /// <summary>Pieces of the giant strings: template and stream syntax, escapes, every UTF-8 length, invisible and bidi characters. No NUL: chat templates are rendered from NUL-terminated strings, where it would cut a giant prompt short.</summary>
    private static readonly string[] HostilePieces =
    [
        "the ", "answer ", "is ", "forty-two. ", "\n", "\t", "\r\n", "\"quoted\" ", "back\\slash ", "<|im_start|>", "<|im_end|>",
        "</s>", "<s>", "{{ messages }}", "{% if %}", "🙂", "👩‍👩‍👧", "世界", "Grüße ", "e\u0301", "\u202Eevil\u202C", "\u200B",
        "\uFEFF", "\u0001", "\u001F", "\u007F", "\u0085", "\u2028", "\uFFFD", "𝕏", "Ω", "data: [DONE]\n\n", "</script>",
        "' OR 1=1 --", "%s%n", "   ",
    ];

    private static readonly int[] HostilePieceBytes = HostilePieces.Select(p => Encoding.UTF8.GetByteCount(Json(p)) - 2).ToArray();

    private readonly Random _random;
    private readonly ServerLimits _limits;
    private readonly Dictionary<string, Mutation[]> _mutationsByPath;

    public HostileBodies(int seed, ServerLimits limits)
    {
        _random = new Random(seed);
        _limits = limits;
        var mutations = Mutations();
        _mutationsByPath = Paths.ToDictionary(path => path, path => mutations.Where(m => m.Paths.Contains(path)).ToArray());
    }

    public IReadOnlyList<string> MutationsFor(string path) => _mutationsByPath[path].Select(m => m.Name).ToList();

    /// <summary>The endpoints take turns; each body gets a mutation drawn by weight from those that apply to its endpoint.</summary>
    public IEnumerable<HostileBody> Take(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var path = Paths[i % Paths.Count];
            var mutation = PickWeighted(_mutationsByPath[path]);
            var (detail, body) = mutation.Apply(path);
            yield return new HostileBody(i, path, mutation.Name, detail, body);
        }
    }

    private sealed record Mutation(string Name, double Weight, string[] Paths, Func<string, (string Detail, byte[] Body)> Apply);

    private enum JsonType { Any, String, Integer, Number, Boolean, Object, StringOrStrings }

    /// <summary>A request field: its JSON type, and values of that type the API must refuse (null when any value of the type is fine).</summary>
    private sealed record Field(string Name, JsonType Type, Func<string>? Refused = null);

    private static readonly Dictionary<JsonType, string[]> WrongTypes = new()
    {
        [JsonType.String] = ["1", "0.5", "true", "{}", "[]", """["Hello"]"""],
        [JsonType.Integer] = ["\"2\"", "\"\"", "\"NaN\"", "true", "{}", "[2]", "1.5", "-0.5"],
        [JsonType.Number] = ["\"0.5\"", "\"\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "false", "{}", "[0.5]"],
        [JsonType.Boolean] = ["\"true\"", "\"false\"", "\"yes\"", "1", "0", "{}", "[]"],
        [JsonType.Object] = ["\"x\"", "1", "true", "[]", "[{}]"],
        [JsonType.StringOrStrings] = ["1", "true", "{}", "[1]", "[null]", "[true]", "[{}]", """[["Hello"]]""", """["Hello",2]"""],
    };

    private Mutation[] Mutations() =>
    [
        // /detokenize's one field takes any JSON and refuses the wrong types itself: RefusedValue covers them.
        new("WrongType", 30, [ChatCompletions, Completions, Tokenize], path => FieldMutation(path, field => field.Type != JsonType.Any, field => Pick(WrongTypes[field.Type]))),
        new("RefusedValue", 40, [.. Paths], path => FieldMutation(path, field => field.Refused is not null, field => field.Refused!())),
        new("StepSizeOutOfRangeWithPrinciple", 4, Generation, StepSizeOutOfRange),
        new("StreamOptionsWithoutStream", 2, Generation, StreamOptionsWithoutStream),
        new("ChoicesTimesPromptsOverLimit", 3, [Completions], ChoicesTimesPromptsOverLimit),
        new("NotExactlyOnePromptSource", 6, [Tokenize], NotExactlyOnePromptSource),
        new("NullWhereRequired", 4, [.. Paths], NullWhereRequired),
        new("TruncatedJson", 10, [.. Paths], TruncatedJson),
        new("InvalidUtf8", 10, [.. Paths], InvalidUtf8Bytes),
        new("BadStringEscape", 8, [.. Paths], BadStringEscape),
        new("NonJsonNumber", 5, [.. Paths], NonJsonNumber),
        new("HugeNumber", 4, [.. Paths], HugeNumber),
        new("DeepNesting", 5, [.. Paths], DeepNesting),
        new("DuplicateKey", 6, [.. Paths], DuplicateKey),
        new("WrongTopLevelType", 4, [.. Paths], WrongTopLevelType),
        new("NotJsonSyntax", 6, [.. Paths], NotJsonSyntax),
        new("EmptyOrBlankBody", 1, [.. Paths], _ => ("", Utf8(Pick("", " ", "\r\n\t ", "\u00A0", "\uFEFF")))),
        new("GiantStringWithOneRefusedField", 1, [.. Paths], GiantStringWithOneRefusedField),
        new("BodyOverLimit", 1, [.. Paths], BodyOverLimit),
        new("PromptBeyondContext", 1.5, Generation, PromptBeyondContext),
    ];

    private Field[] Fields(string path) => path switch
    {
        ChatCompletions =>
        [
            new("messages", JsonType.Any, RefusedMessages),
            new("tools", JsonType.Any, () => Pick("""[{"type":"function","function":{"name":"f","parameters":{}}}]""", "[1]", "[null]", "[[]]", "[{}]")),
            new("response_format", JsonType.Any, () => Pick(
                """{"type":"json_schema"}""", """{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"number","multipleOf":2}}}""",
                """{"type":"json_schema","json_schema":{"schema":5}}""", "{}",
                """{"type":5}""", """{"type":null}""", """{"type":"TEXT"}""", """{"type":["text"]}""")),
            new("logprobs", JsonType.Boolean),
            // The valid bodies never set logprobs, so any count is refused, out of range or not.
            new("top_logprobs", JsonType.Integer, () => Pick("0", "5", IntegerOutside(0, 20))),
            .. GenerationFields(),
        ],
        Completions =>
        [
            new("prompt", JsonType.StringOrStrings, RefusedPrompt),
            new("echo", JsonType.Boolean, () => "true"),
            new("suffix", JsonType.String, () => Pick("\"x\"", "\"\"", "\" \"")),
            // The valid bodies ask for n = 1 or 2, never for best_of, so any of these differs from n.
            new("best_of", JsonType.Integer, () => Pick("0", "3", "-1", "17", "2147483647")),
            new("logprobs", JsonType.Integer, () => IntegerOutside(0, 5)),
            .. GenerationFields(),
        ],
        Tokenize =>
        [
            new("content", JsonType.String),
            new("prompt", JsonType.String),
            new("messages", JsonType.Any, RefusedMessages),
            new("principle", JsonType.String),
            new("add_special", JsonType.Boolean),
            new("with_pieces", JsonType.Boolean),
        ],
        _ => [new("tokens", JsonType.Any, RefusedTokens)],
    };

    private Field[] GenerationFields() =>
    [
        new("model", JsonType.String, () => Pick("\"gpt-4o\"", "\"no-such-model\"", "\" \"", Json(new string('m', 5000)))),
        new("max_tokens", JsonType.Integer, () => IntegerOutside(1, int.MaxValue)),
        new("max_completion_tokens", JsonType.Integer, () => IntegerOutside(1, int.MaxValue)),
        new("temperature", JsonType.Number, () => NumberOutside(0, 2)),
        new("top_p", JsonType.Number, () => NumberOutside(0, 1, minExclusive: true)),
        new("top_k", JsonType.Integer, () => IntegerOutside(0, int.MaxValue)),
        new("min_p", JsonType.Number, () => NumberOutside(0, 1)),
        new("seed", JsonType.Integer, () => IntegerOutside(long.MinValue, long.MaxValue)),
        new("stop", JsonType.StringOrStrings, RefusedStop),
        new("presence_penalty", JsonType.Number, () => NumberOutside(-2, 2)),
        new("frequency_penalty", JsonType.Number, () => NumberOutside(-2, 2)),
        new("repeat_penalty", JsonType.Number, () => NumberOutside(0, 10, minExclusive: true)),
        new("logit_bias", JsonType.Object, RefusedLogitBias),
        new("n", JsonType.Integer, () => IntegerOutside(1, _limits.MaxChoices)),
        new("stream", JsonType.Boolean),
        new("stream_options", JsonType.Object, () => Pick("""{"include_usage":"yes"}""", """{"include_usage":1}""", """{"include_usage":[]}""")),
        new("user", JsonType.String),
        new("principle", JsonType.String),
        // Out of range only with a principle: StepSizeOutOfRangeWithPrinciple.
        new("step_size", JsonType.Number),
        new("alignment_mode", JsonType.String, () => Json(Pick("sideways", "Reference", "NORMALIZED", "", " reference", "normalised", "reference\u0000"))),
        new("extra_body", JsonType.Object, () => Pick(
            """{"principle":5}""", """{"step_size":"big"}""", """{"alignment_mode":"sideways"}""", """{"principle":"Be kind","step_size":1e9}""",
            """{"principle":["Be kind"]}""", """{"step_size":null,"alignment_mode":1}""")),
    ];

    /// <summary>A cheap valid body, varied in the ways that change the server's path through it (streaming, alignment, n, content parts).</summary>
    private RawObject ValidBody(string path)
    {
        var body = new RawObject();
        switch (path)
        {
            case ChatCompletions:
                body.Set("messages", ValidMessages(_random.Next(1, 4)));
                AddGenerationOptions(body);
                break;
            case Completions:
                body.Set("prompt", _random.Next(3) == 0 ? """["Hello","Grüße, 世界 🙂"]""" : Json(Pick("Hello", "Grüße, 世界 🙂")));
                AddGenerationOptions(body);
                break;
            case Tokenize:
                var source = Pick("content", "prompt", "messages");
                body.Set(source, source == "messages" ? ValidMessages(_random.Next(1, 3)) : Json(Pick("Hello", "Grüße, 世界 🙂")));
                if (_random.Next(3) == 0)
                {
                    body.Set("principle", Json("Be kind"));
                }
                if (_random.Next(3) == 0)
                {
                    body.Set("add_special", Pick("true", "false")).Set("with_pieces", Pick("true", "false"));
                }
                break;
            default:
                body.Set("tokens", "[1,2,3]");
                break;
        }
        return body;
    }

    private void AddGenerationOptions(RawObject body)
    {
        body.Set("max_tokens", "2").Set("temperature", "0");
        if (_random.Next(3) == 0)
        {
            body.Set("stream", "true");
        }
        if (_random.Next(3) == 0)
        {
            body.Set("principle", Json("Be kind"));
        }
        if (_random.Next(4) == 0)
        {
            body.Set("n", "2");
        }
        if (_random.Next(4) == 0)
        {
            body.Set("seed", "7");
        }
    }

    private string ValidMessages(int count) => "[" + string.Join(",", ValidMessageList(count)) + "]";

    private List<string> ValidMessageList(int count)
    {
        string[] messages =
        [
            """{"role":"user","content":"Hello"}""",
            """{"role":"assistant","content":"Hi"}""",
            """{"role":"user","content":[{"type":"text","text":"Grüße, 世界 🙂"}]}""",
            """{"role":"developer","content":"Be brief"}""",
            """{"role":"system","content":[]}""",
            """{"role":"assistant","content":null,"name":"bot"}""",
        ];
        return Enumerable.Range(0, count).Select(_ => Pick(messages)).ToList();
    }

    private (string, byte[]) FieldMutation(string path, Func<Field, bool> applies, Func<Field, string> value)
    {
        var field = Pick(Fields(path).Where(applies).ToArray());
        var body = ValidBody(path);
        if (path == Tokenize && field.Name is "content" or "prompt" or "messages")
        {
            // With a second prompt source the body would be refused for that alone, never reaching the field's own check.
            body.Remove("content", "prompt", "messages");
        }
        return (field.Name, Utf8(body.Set(field.Name, value(field))));
    }

    private (string, byte[]) StepSizeOutOfRange(string path) =>
        ("step_size", Utf8(ValidBody(path).Set("principle", Json("Be kind")).Set("step_size", NumberOutside(_limits.MinStepSize, _limits.MaxStepSize))));

    private (string, byte[]) StreamOptionsWithoutStream(string path)
    {
        var body = ValidBody(path).Set("stream_options", Pick("""{"include_usage":true}""", """{"include_usage":false}""", "{}"));
        return ("stream_options", Utf8(_random.Next(2) == 0 ? body.Remove("stream") : body.Set("stream", "false")));
    }

    /// <summary>
    /// n × prompts above the limit. Never three or more prompts with a huge n: the server computes the product in int,
    /// where it can wrap back into range, and it would then try to build billions of generation requests until the
    /// test host ran out of memory. Two prompts with a huge n wrap to a negative product, which fails fast.
    /// </summary>
    private (string, byte[]) ChoicesTimesPromptsOverLimit(string path)
    {
        var prompts = _random.Next(2, _limits.MaxChoices + 1);
        var n = _limits.MaxChoices / prompts + 1;
        var (promptCount, choices) = _random.Next(4) switch
        {
            0 => (2, (long)int.MaxValue),
            1 => (2, 1L << 30),
            _ => (prompts, (long)n),
        };
        var body = ValidBody(path).Set("prompt", Json(Enumerable.Repeat("Hello", promptCount))).Set("n", choices.ToString());
        return ($"{promptCount} prompts, n {choices}", Utf8(body));
    }

    private (string, byte[]) NotExactlyOnePromptSource(string path)
    {
        var body = ValidBody(path).Remove("content", "prompt", "messages");
        var sources = new[] { ("content", Json("Hello")), ("prompt", Json("Hello")), ("messages", ValidMessages(1)) }
            .Where(_ => _random.Next(2) == 0)
            .ToArray();
        if (sources.Length == 1)
        {
            sources = [];
        }
        foreach (var (name, value) in sources)
        {
            body.Set(name, value);
        }
        return ($"{sources.Length} sources", Utf8(body));
    }

    private (string, byte[]) NullWhereRequired(string path)
    {
        var (field, value) = path switch
        {
            ChatCompletions => Pick(
                ("messages", "null"), ("messages", "[null]"),
                ("messages", """[{"role":null,"content":"Hello"}]"""), ("messages", """[{"role":"user","content":null}]"""),
                ("messages", """[{"role":"system","content":null}]"""), ("messages", """[{"role":"user","content":[null]}]"""),
                ("messages", """[{"role":"user","content":[{"type":null,"text":"Hello"}]}]"""),
                ("messages", """[{"role":"user","content":[{"type":"text","text":null}]}]""")),
            Completions => Pick(("prompt", "null"), ("prompt", "[null]"), ("prompt", """["Hello",null]""")),
            Tokenize => Pick(("content", "null"), ("prompt", "null"), ("messages", "null"), ("messages", "[null]"), ("messages", """[{"role":"user","content":null}]""")),
            _ => Pick(("tokens", "null"), ("tokens", "[null]"), ("tokens", "[1,null,3]")),
        };
        var body = ValidBody(path);
        if (path == Tokenize)
        {
            body.Remove("content", "prompt", "messages");
        }
        return (field, Utf8(body.Set(field, value)));
    }

    private (string, byte[]) TruncatedJson(string path)
    {
        var whole = Utf8(ValidBody(path));
        var length = _random.Next(whole.Length);
        return ($"{length} of {whole.Length} bytes", whole[..length]);
    }

    /// <summary>A string of the body that the server must decode, with <paramref name="inner"/> (raw JSON string text) inside it.</summary>
    private (string Slot, RawObject Body) WithStringSlot(string path, string inner)
    {
        var quoted = $"\"He{inner}llo\"";
        var body = ValidBody(path);
        var slots = path switch
        {
            ChatCompletions => new (string, Func<RawObject>)[]
            {
                ("messages[0].content", () => body.Set("messages", $$"""[{"role":"user","content":{{quoted}}}]""")),
                ("messages[0].content[0].text", () => body.Set("messages", $$"""[{"role":"user","content":[{"type":"text","text":{{quoted}}}]}]""")),
                ("messages[0].content[0].type", () => body.Set("messages", $$"""[{"role":"user","content":[{"type":{{quoted}},"text":"Hello"}]}]""")),
                ("messages[0].role", () => body.Set("messages", $$"""[{"role":{{quoted}},"content":"Hello"}]""")),
                ("response_format.type", () => body.Set("response_format", $$"""{"type":{{quoted}}}""")),
                ("principle", () => body.Set("principle", quoted)),
                ("stop", () => body.Set("stop", $"[{quoted}]")),
                ("model", () => body.Set("model", quoted)),
            },
            Completions => new (string, Func<RawObject>)[]
            {
                ("prompt", () => body.Set("prompt", quoted)),
                ("prompt[1]", () => body.Set("prompt", $"[\"Hello\",{quoted}]")),
                ("user", () => body.Set("user", quoted)),
                ("stop", () => body.Set("stop", quoted)),
                ("alignment_mode", () => body.Set("alignment_mode", quoted)),
            },
            Tokenize => new (string, Func<RawObject>)[]
            {
                ("content", () => body.Remove("prompt", "messages").Set("content", quoted)),
                ("prompt", () => body.Remove("content", "messages").Set("prompt", quoted)),
                ("messages[0].content", () => body.Remove("content", "prompt").Set("messages", $$"""[{"role":"user","content":{{quoted}}}]""")),
                ("principle", () => body.Set("principle", quoted)),
            },
            _ => new (string, Func<RawObject>)[]
            {
                ("tokens[1]", () => body.Set("tokens", $"[1,{quoted}]")),
            },
        };
        var (slot, place) = Pick(slots);
        return (slot, place());
    }

    /// <summary>The name of the field the endpoint cannot do without, with <paramref name="inner"/> in the middle.</summary>
    private RawObject WithRequiredNameBroken(string path, string inner)
    {
        var body = ValidBody(path);
        var required = path switch { ChatCompletions => "messages", Completions => "prompt", Tokenize => "content", _ => "tokens" };
        if (path == Tokenize)
        {
            body.Remove("prompt", "messages").Set("content", Json("Hello"));
        }
        return body.Rename(required, required[..3] + inner + required[3..]);
    }

    private (string, byte[]) InvalidUtf8Bytes(string path)
    {
        var bytes = Pick(InvalidUtf8);
        var hex = string.Concat(bytes.Select(b => $"{b:X2}"));
        var (slot, body) = _random.Next(5) switch
        {
            0 => ("name of a required field", WithRequiredNameBroken(path, Splice)),
            1 => ("a value", ValidBody(path).Set("x-extra", Splice)),
            _ => WithStringSlot(path, Splice),
        };
        return ($"{hex} in {slot}", Utf8(body, bytes));
    }

    private (string, byte[]) BadStringEscape(string path)
    {
        var escape = Pick(BadEscapes);
        var (slot, body) = _random.Next(5) == 0 ? ("name of a required field", WithRequiredNameBroken(path, escape)) : WithStringSlot(path, escape);
        return ($"{JsonSerializer.Serialize(escape)} in {slot}", Utf8(body));
    }

    /// <summary>A numeric field, or a number where the endpoint reads one, given text that JSON does not call a number.</summary>
    private (string, byte[]) NonJsonNumber(string path)
    {
        var literal = Pick(NonJsonNumbers);
        var body = ValidBody(path);
        var field = NumericSlot(path, body, literal);
        return ($"{field}: {literal}", Utf8(body));
    }

    private (string, byte[]) HugeNumber(string path)
    {
        var digits = new string('9', _random.Next(2) == 0 ? _random.Next(20, 400) : _random.Next(10_000, 1_000_000));
        var number = _random.Next(4) switch
        {
            0 => "-" + digits,
            1 => "1e" + digits[..Math.Min(digits.Length, 30)],
            2 => digits + ".5",
            _ => digits,
        };
        var body = ValidBody(path);
        var field = NumericSlot(path, body, number);
        return ($"{field}: {number.Length} characters", Utf8(body));
    }

    /// <summary>Puts <paramref name="number"/> where a number is read; step_size is left out, as it is ignored without a principle.</summary>
    private string NumericSlot(string path, RawObject body, string number)
    {
        switch (path)
        {
            case ChatCompletions or Completions:
                var field = Pick("max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed", "n", "presence_penalty", "repeat_penalty", "logit_bias");
                body.Set(field, field == "logit_bias" ? $"{{\"1\":{number}}}" : number);
                return field;
            case Tokenize:
                body.Set("add_special", number);
                return "add_special";
            default:
                body.Set("tokens", $"[1,{number},3]");
                return "tokens[1]";
        }
    }

    private (string, byte[]) DeepNesting(string path)
    {
        // JSON deeper than the reader's limit (64) is refused anywhere; shallower nesting only where a nested value is the wrong type.
        var depth = _random.Next(3) == 0 ? _random.Next(2, 64) : Pick(65, 100, 1_000, 10_000, 100_000);
        var arrays = _random.Next(2) == 0;
        var closed = _random.Next(4) != 0;
        var open = arrays ? new string('[', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth));
        var nested = open + "1" + (closed ? (arrays ? new string(']', depth) : new string('}', depth)) : "");
        var required = path switch { ChatCompletions => "messages", Completions => "prompt", Tokenize => "content", _ => "tokens" };
        var (place, body) = _random.Next(depth > 64 ? 3 : 2) switch
        {
            0 => ("whole body", nested),
            1 => (required, ValidBody(path).Remove("prompt", "messages").Set(required, nested).ToString()),
            _ => ("unknown field", ValidBody(path).Set("x-extra", nested).ToString()),
        };
        return ($"{(arrays ? "arrays" : "objects")} {depth} deep{(closed ? "" : ", unclosed")} as {place}", Utf8(body));
    }

    /// <summary>The last of repeated members decides: each body repeats a field it has and ends on a refused value, or starts on a mistyped one.</summary>
    private (string, byte[]) DuplicateKey(string path)
    {
        var body = ValidBody(path);
        var field = Pick(Fields(path).Where(f => body.Has(f.Name) && (f.Refused is not null || f.Type != JsonType.Any)).ToArray());
        var refused = field.Refused is not null && (field.Type == JsonType.Any || _random.Next(2) == 0) ? field.Refused() : Pick(WrongTypes[field.Type]);
        switch (_random.Next(3))
        {
            case 0:
                return ($"{field.Name}: valid, then refused", Utf8(body.Append(field.Name, refused)));
            case 1 when field.Type != JsonType.Any:
                return ($"{field.Name}: mistyped, then valid", Utf8(body.Prepend(field.Name, Pick(WrongTypes[field.Type]))));
            default:
                var valid = body.Get(field.Name)!;
                // As many as fit well within the body limit, so that the refusal is not just for size.
                var copies = (int)Math.Min(_random.Next(1_000, 100_000), _limits.MaxRequestBytes / 2 / (valid.Length + field.Name.Length + 4));
                for (var i = 0; i < copies; i++)
                {
                    body.Append(field.Name, valid);
                }
                return ($"{field.Name}: {copies} valid copies, then refused", Utf8(body.Append(field.Name, refused)));
        }
    }

    private (string, byte[]) WrongTopLevelType(string path)
    {
        var valid = ValidBody(path).ToString();
        var body = Pick("[]", $"[{valid}]", "\"text\"", Json(valid), "42", "-1.5", "true", "false", "null", "{}", "[null]", "[[]]");
        return (body.Length > 20 ? body[..20] + "…" : body, Utf8(body));
    }

    private (string, byte[]) NotJsonSyntax(string path)
    {
        // A second member, ignored as unknown, so that every body has a comma to lose.
        var valid = ValidBody(path).Set("x-extra", "1").ToString();
        var firstColon = valid.IndexOf("\":", StringComparison.Ordinal);
        var (name, body) = _random.Next(16) switch
        {
            0 => ("trailing comma", valid[..^1] + ",}"),
            1 => ("block comment", "{/* note */" + valid[1..]),
            2 => ("line comment", "// note\n" + valid),
            3 => ("trailing garbage", valid + "x"),
            4 => ("two objects", valid + valid),
            5 => ("extra brace", valid + "}"),
            6 => ("leading brace", "{" + valid),
            7 => ("single quotes", valid.Replace('"', '\'')),
            8 => ("unquoted names", Regex.Replace(valid, "\"([a-z_]+)\":", "$1:")),
            9 => ("missing colon", valid[..(firstColon + 1)] + " " + valid[(firstColon + 2)..]),
            10 => ("equals for colon", valid[..(firstColon + 1)] + "=" + valid[(firstColon + 2)..]),
            11 => ("missing comma", Regex.Replace(valid, ",\"", " \"")),
            12 => ("form encoded", "prompt=Hello&max_tokens=2&messages=Hello&tokens=1"),
            13 => ("XML", "<request><prompt>Hello</prompt></request>"),
            14 => ("YAML", "prompt: Hello\nmax_tokens: 2\n"),
            _ => ("NUL before the end", valid[..^1] + "\u0000}"),
        };
        return (name, Utf8(body));
    }

    /// <summary>Megabytes of hostile text in a field that takes it, plus one refused field: the refusal must not depend on the size.</summary>
    private (string, byte[]) GiantStringWithOneRefusedField(string path)
    {
        var body = ValidBody(path);
        var holder = path switch
        {
            ChatCompletions => Pick("user", "principle", "x-padding", "messages"),
            Completions => Pick("user", "principle", "prompt"),
            Tokenize => Pick("principle", "x-padding"),
            _ => "x-padding",
        };
        var refused = Pick(Fields(path).Where(f => f.Name != holder && (f.Refused is not null || f.Type != JsonType.Any)).ToArray());
        body.Set(refused.Name, refused.Refused is not null ? refused.Refused() : Pick(WrongTypes[refused.Type]));
        var size = GiantSize(_random.Next(2) == 0 ? 64 * 1024 : 1024 * 1024, Utf8(body).Length);
        var text = Json(HostileText(size));
        body.Set(holder, holder == "messages" ? $$"""[{"role":"user","content":{{text}}}]""" : text);
        return ($"{holder} of {size} bytes, {refused.Name} refused", Utf8(body));
    }

    private (string, byte[]) BodyOverLimit(string path)
    {
        var body = ValidBody(path);
        var padding = (int)(_limits.MaxRequestBytes - Utf8(body).Length) + _random.Next(1, 64 * 1024);
        return ($"{_limits.MaxRequestBytes + padding} bytes", Utf8(body.Set("x-padding", Json(new string('a', padding)))));
    }

    /// <summary>Valid JSON, every field in range, and still refused: the prompt alone needs more than the whole context.</summary>
    private (string, byte[]) PromptBeyondContext(string path)
    {
        var body = ValidBody(path);
        var size = GiantSize(32 * 1024, Utf8(body).Length);
        string place;
        if (_random.Next(4) == 0)
        {
            place = "principle";
            body.Set("principle", Json(HostileText(size)));
        }
        else if (path == ChatCompletions)
        {
            var count = _random.Next(1, 2000);
            place = $"{count} messages";
            var messages = Enumerable.Range(0, count).Select(i => $$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","content":{{Json(HostileText(size / count - 40))}}}""");
            body.Set("messages", "[" + string.Join(",", messages) + "]");
        }
        else
        {
            place = "prompt";
            body.Set("prompt", Json(HostileText(size)));
        }
        return ($"{place}, {size} bytes", Utf8(body));
    }

    /// <summary>Between <paramref name="smallest"/> and just under what the body limit leaves beside <paramref name="reserved"/> bytes, often right at the top.</summary>
    private int GiantSize(int smallest, int reserved)
    {
        var largest = (int)_limits.MaxRequestBytes - reserved - 1024;
        return _random.Next(3) == 0 ? largest : _random.Next(smallest, largest);
    }

    /// <summary>Text whose JSON string form takes about <paramref name="jsonBytes"/> bytes.</summary>
    private string HostileText(int jsonBytes)
    {
        var text = new StringBuilder();
        for (var bytes = 0; ;)
        {
            // Mostly words, so that the text is hostile in places rather than noise throughout.
            var piece = _random.Next(10) < 7 ? _random.Next(4) : _random.Next(HostilePieces.Length);
            if (bytes + HostilePieceBytes[piece] > jsonBytes)
            {
                return text.ToString();
            }
            bytes += HostilePieceBytes[piece];
            text.Append(HostilePieces[piece]);
        }
    }

    private string RefusedMessages() => _random.Next(4) switch
    {
        0 => Pick("[]", "{}", "\"Hello\"", "1", "true", "[1]", "[\"Hello\"]", "[[]]", "[{}]", """{"role":"user","content":"Hello"}"""),
        _ => MessagesAround(RefusedMessage()),
    };

    /// <summary>The refused message among valid ones, sometimes thousands, so that it is found wherever it is.</summary>
    private string MessagesAround(string refused)
    {
        var messages = ValidMessageList(_random.Next(10) == 0 ? _random.Next(100, 5_000) : _random.Next(4));
        messages.Insert(_random.Next(messages.Count + 1), refused);
        return "[" + string.Join(",", messages) + "]";
    }

    private string RefusedMessage() => _random.Next(3) switch
    {
        0 => $$"""{"role":{{Json(_random.Next(3) == 0 ? "x-" + RandomLetters() : Pick(UnknownRoles))}},"content":"Hello"}""",
        1 => $$"""{"role":"user","content":{{RefusedContent()}}}""",
        _ => Pick(
            "{}", """{"content":"Hello"}""", """{"role":"user"}""", """{"role":5,"content":"Hello"}""",
            """{"role":["user"],"content":"Hello"}""", """{"role":"user","content":"Hello","name":5}""", "\"Hello\"", "5", "[]"),
    };

    private string RefusedContent() => Pick(
        "5", "true", "{}", """{"type":"text","text":"Hello"}""", "[5]", """["Hello"]""", "[[]]", "[{}]", """[{"text":"Hello"}]""",
        """[{"type":"text"}]""", """[{"type":"text","text":5}]""", """[{"type":"text","text":["Hello"]}]""", """[{"type":5,"text":"Hello"}]""",
        """[{"type":"TEXT","text":"Hello"}]""", """[{"type":"","text":"Hello"}]""", """[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]""",
        """[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]""", """[{"type":"file","file":{}}]""",
        """[{"type":"text","text":"Hello"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]""");

    private string RefusedPrompt() => _random.Next(3) switch
    {
        0 => Json(Enumerable.Repeat("Hello", _random.Next(_limits.MaxChoices + 1, 10_000))),
        _ => Pick("[]", "{}", """{"text":"Hello"}""", "[1,2,3]", "[[1,2]]", """["Hello",5]""", """[["Hello"]]"""),
    };

    private string RefusedStop() => Pick(
        "\"\"", "[\"\"]", """["a",""]""", Json(Enumerable.Range(0, 5).Select(i => $"s{i}")),
        Json(Enumerable.Range(0, _random.Next(5, 50)).Select(i => $"s{i}")), Json(Enumerable.Range(0, 1000).Select(i => $"stop {i}")));

    private string RefusedLogitBias()
    {
        var vocabulary = _limits.VocabularySize;
        return _random.Next(4) switch
        {
            0 => $"{{\"1\":{NumberOutside(-100, 100)}}}",
            1 => $"{{\"{IntegerOutside(0, vocabulary - 1)}\":1}}",
            // Thousands of valid entries around the refused one.
            2 => "{" + string.Join(",", Enumerable.Range(0, Math.Min(vocabulary, 5_000)).Select(t => $"\"{t}\":-1").Append($"\"{vocabulary + _random.Next(1000)}\":1")) + "}",
            _ => Pick(
                """{"abc":1}""", """{"":1}""", """{" 1":1}""", """{"1 ":1}""", """{"+1":1}""", """{"1.0":1}""", """{"0x1":1}""",
                """{"1e2":1}""", "{\"\u0663\":1}", """{"1":"5"}""", """{"1":null}""", """{"1":true}""", """{"1":[1]}""", """{"1":{}}"""),
        };
    }

    private string RefusedTokens()
    {
        var vocabulary = _limits.VocabularySize;
        var outside = IntegerOutside(0, vocabulary - 1);
        return _random.Next(4) switch
        {
            0 => $"[{outside}]",
            1 => "[" + string.Join(",", Enumerable.Range(0, _random.Next(1, 10_000)).Select(i => (i % vocabulary).ToString()).Append(outside)) + "]",
            _ => Pick("\"1 2 3\"", "1", "{}", "true", "[1.5]", "[\"1\"]", "[[1]]", "[{}]", "[true]", "{\"0\":1}"),
        };
    }

    /// <summary>An integer just past, or far past, one end of [min, max], including past the end of int and long.</summary>
    private string IntegerOutside(long min, long max)
    {
        var below = _random.Next(2) == 0;
        BigInteger distance = _random.Next(3) switch
        {
            1 => 1,
            2 => _random.Next(2, 1000),
            _ => Pick<BigInteger>(_random.Next(1000, int.MaxValue), BigInteger.One << 31, BigInteger.One << 32, BigInteger.One << 63, BigInteger.Pow(10, 30)),
        };
        return (below ? min - distance : max + distance).ToString();
    }

    /// <summary>A number outside [min, max] (or at an excluded end), written as JSON writers do: plain or with an exponent.</summary>
    private string NumberOutside(double min, double max, bool minExclusive = false)
    {
        if (minExclusive && _random.Next(3) == 0)
        {
            return min == 0 ? Pick("0", "-0", "0.0", "-0.0", "1e-50") : Format(min);
        }
        var distance = Pick(0.001, 0.01, 0.5, 1 + _random.NextDouble() * 1000, 1e6, 1e38, 1e39, 1e300);
        return Format(_random.Next(2) == 0 ? min - distance : max + distance);
    }

    private string Format(double value) => _random.Next(3) == 0 ? value.ToString("E6") : value.ToString("R");

    private string RandomLetters() => new(Enumerable.Range(0, _random.Next(1, 20)).Select(_ => (char)_random.Next('a', 'z' + 1)).ToArray());

    private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];

    private Mutation PickWeighted(Mutation[] mutations)
    {
        var point = _random.NextDouble() * mutations.Sum(m => m.Weight);
        foreach (var mutation in mutations)
        {
            point -= mutation.Weight;
            if (point < 0)
            {
                return mutation;
            }
        }
        return mutations[^1];
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, RawUnicode);

    private static byte[] Utf8(RawObject body, byte[]? spliced = null) => Utf8(body.ToString(), spliced);

    private static byte[] Utf8(string text, byte[]? spliced = null)
    {
        if (spliced is null)
        {
            return Encoding.UTF8.GetBytes(text);
        }
        var parts = text.Split(Splice).Select(Encoding.UTF8.GetBytes);
        return parts.Aggregate((left, right) => [.. left, .. spliced, .. right]);
    }

    /// <summary>A JSON object kept as raw member text, so that members can repeat and hold text that is not JSON.</summary>
    private sealed class RawObject
    {
        private readonly List<(string Name, string Value)> _members = [];

        public RawObject Set(string name, string value)
        {
            var index = _members.FindIndex(m => m.Name == name);
            if (index >= 0)
            {
                _members[index] = (name, value);
            }
            else
            {
                _members.Add((name, value));
            }
            return this;
        }

        public RawObject Append(string name, string value)
        {
            _members.Add((name, value));
            return this;
        }

        public RawObject Prepend(string name, string value)
        {
            _members.Insert(0, (name, value));
            return this;
        }

        public RawObject Remove(params string[] names)
        {
            _members.RemoveAll(m => names.Contains(m.Name));
            return this;
        }

        public RawObject Rename(string name, string newName)
        {
            var index = _members.FindIndex(m => m.Name == name);
            _members[index] = (newName, _members[index].Value);
            return this;
        }

        public bool Has(string name) => _members.Any(m => m.Name == name);

        public string? Get(string name) => _members.Find(m => m.Name == name).Value;

        public override string ToString() => "{" + string.Join(",", _members.Select(m => $"\"{m.Name}\":{m.Value}")) + "}";
    }
}
