using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LinearAlign.Server.StructuredOutput;
using static LinearAlign.Server.Tests.StructuredOutput.SchemaGrammars;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>What the grammars of small schemas accept, text by text, and the exact text of a few.</summary>
public sealed class ExactGrammarTests
{
    [Fact]
    public void An_integer_range_0_to_120_is_written_digit_count_by_digit_count()
    {
        Assert.Equal("root ::= [0-9] | [1-9] [0-9] | \"1\" ([0-1] [0-9] | \"20\")\n", Of("""{"type":"integer","minimum":0,"maximum":120}"""));
    }

    [Theory]
    [InlineData(0, 120)]
    [InlineData(-50, -10)]
    [InlineData(-1000, 1000)]
    [InlineData(7, 7)]
    [InlineData(19, 2001)]
    [InlineData(-9, 0)]
    [InlineData(123, 4567)]
    public void An_integer_range_accepts_exactly_its_integers_in_canonical_spelling(int min, int max)
    {
        var regex = GbnfRegex.For(Of($$"""{"type":"integer","minimum":{{min}},"maximum":{{max}}}"""));

        var wrong = Enumerable.Range(min - 150, max - min + 301)
            .Where(n => regex.IsMatch(n.ToString(CultureInfo.InvariantCulture)) != (n >= min && n <= max))
            .ToList();

        Assert.Empty(wrong);
        Assert.DoesNotMatch(regex, "-0");
        Assert.DoesNotMatch(regex, $"0{Math.Abs(max)}");
        Assert.DoesNotMatch(regex, $"{max}.0");
    }

    [Fact]
    public void Exclusive_integer_bounds_leave_out_the_bounds() =>
        Assert.Equal("root ::= [1-9] | [1-9] [0-9]\n", Of("""{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":100}"""));

    [Fact]
    public void An_integer_bound_on_one_side_stops_at_sixteen_digits_on_the_other() =>
        Assert.Equal("root ::= \"1\" [8-9] | [2-9] [0-9] | [1-9] [0-9]{2,15}\n", Of("""{"type":"integer","minimum":18}"""));

    [Fact]
    public void A_number_range_accepts_fractions_within_it_and_the_bounds_themselves()
    {
        const string schema = """{"type":"number","minimum":-5,"maximum":5}""";
        AssertAccepts(schema, "0", "-5", "5", "5.000", "-5.0", "4.999", "-4.5", "-0.25", "0.5", "3");
        AssertRejects(schema, "5.001", "-5.1", "6", "-6", "05", "1e2", "1.", ".5");
    }

    [Fact]
    public void A_number_range_from_0_accepts_no_negative_numbers()
    {
        AssertAccepts("""{"type":"number","minimum":0,"maximum":1}""", "0", "0.75", "1", "1.0");
        AssertRejects("""{"type":"number","minimum":0,"maximum":1}""", "-0.5", "-0", "1.01", "2");
    }

    [Fact]
    public void A_closed_object_is_written_in_declaration_order_with_bounded_whitespace()
    {
        Assert.Equal(
            "root ::= \"{\" ws \"\\\"ok\\\"\" ws \":\" ws boolean ws \"}\"\n" +
            "ws ::= (\" \" | \"\\n\" [ \\t]{0,20})?\n" +
            "boolean ::= \"true\" | \"false\"\n",
            Of("""{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}"""));
    }

    [Fact]
    public void Optional_properties_may_be_left_out_but_not_reordered()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"null"},"b":{"type":"null"},"c":{"type":"null"}},"required":["b"]}""";
        AssertAccepts(schema, """{"b":null}""", """{"a":null,"b":null}""", """{"b":null,"c":null}""", """{"a":null,"b":null,"c":null}""");
        AssertRejects(schema, "{}", """{"a":null}""", """{"b":null,"a":null}""", """{"b":null,"d":null}""", """{"b":null,}""", """{,"b":null}""");
    }

    [Fact]
    public void An_object_of_optional_properties_may_be_empty()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"null"},"b":{"type":"null"}}}""";
        AssertAccepts(schema, "{}", "{ }", """{"b":null}""", """{"a":null,"b":null}""");
        AssertRejects(schema, "{,}", """{"b":null,"a":null}""", """{"a":null,}""");
    }

    [Fact]
    public void Whitespace_is_one_space_or_one_newline_with_indentation_between_tokens()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"array","items":{"type":"null"}}},"required":["a"]}""";
        AssertAccepts(schema, """{"a":[null,null]}""", """{ "a" : [ null , null ] }""", "{\n  \"a\": [\n\t\tnull,\n    null\n  ]\n}");
        AssertRejects(schema, """{  "a":[]}""", """ {"a":[]}""", """{"a":[]} """, "{\n\n\"a\":[]}", "{\"a\":[]\r}");
    }

    [Fact]
    public void Array_length_bounds_are_exact()
    {
        const string schema = """{"type":"array","items":{"type":"boolean"},"minItems":2,"maxItems":3}""";
        AssertAccepts(schema, "[true,false]", "[true, false, true]");
        AssertRejects(schema, "[]", "[true]", "[true,true,true,true]", "[true,]");
    }

    [Fact]
    public void String_lengths_count_characters_with_an_escape_as_one()
    {
        const string schema = """{"type":"string","minLength":2,"maxLength":3}""";
        AssertAccepts(schema, "\"ab\"", "\"a\\\"c\"", "\"\\u00e9x\"", "\"\\n\\t\\\\\"", "\"\\ud83d\\ude00z\"");
        AssertRejects(schema, "\"a\"", "\"abcd\"", "\"a\nb\"", "\"a\"b\"", "\"a\\xb\"", "\"\\ud800zz\"", "\"\\ude00zz\"");
    }

    [Fact]
    public void Enum_and_const_values_are_written_compact_and_exactly()
    {
        const string schema = """{"enum":["a\"b", 1.50, {"k": [true, null]}]}""";
        AssertAccepts(schema, "\"a\\\"b\"", "1.50", """{"k":[true,null]}""");
        AssertRejects(schema, "1.5", """{"k": [true, null]}""", "\"a\"b\"");
    }

    [Fact]
    public void A_nullable_type_accepts_null_and_the_type()
    {
        const string schema = """{"type":["string","null"],"maxLength":2}""";
        AssertAccepts(schema, "null", "\"ab\"");
        AssertRejects(schema, "\"abc\"", "nul", "0");
    }

    [Theory]
    [InlineData("date", "2024-02-28", "2024-12-31", "2024-04-30")]
    [InlineData("time", "23:59:59Z", "00:00:00.123+02:00", "12:30:00-05:30")]
    [InlineData("date-time", "2024-05-06T07:08:09Z", "1999-01-31T23:00:00.5+01:00")]
    [InlineData("uuid", "123e4567-e89b-12d3-a456-426614174000", "ABCDEF01-2345-6789-abcd-ef0123456789")]
    public void A_format_accepts_its_values(string format, params string[] values) =>
        AssertAccepts($$"""{"type":"string","format":"{{format}}"}""", [.. values.Select(v => $"\"{v}\"")]);

    [Theory]
    [InlineData("date", "2024-02-30", "2024-13-01", "2024-04-31", "24-01-01", "2024-1-01")]
    [InlineData("time", "24:00:00Z", "12:60:00Z", "12:00:00", "12:00Z")]
    [InlineData("date-time", "2024-05-06 07:08:09Z", "2024-05-06T07:08:09")]
    [InlineData("uuid", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g")]
    public void A_format_rejects_what_is_not_its_value(string format, params string[] values) =>
        AssertRejects($$"""{"type":"string","format":"{{format}}"}""", [.. values.Select(v => $"\"{v}\"")]);

    [Theory]
    [InlineData(@"^\d{3}-\d{4}$", "555-1234", "000-0000")]
    [InlineData(@"^(cat|dog)s?$", "cat", "dogs")]
    [InlineData(@"abc", "abc", "xxabcyy", "abcz")]
    [InlineData(@"^[A-Z][a-z]+$", "Ada", "Zz")]
    [InlineData(@"^a""b\\c$", "a\"b\\c")]
    [InlineData(@"^[^a]$", "b", "\n", "\"", "\u00e9")]
    [InlineData(@"^\s\S\w\W\D$", " xy!-", "\tZ_.a")]
    [InlineData(@"^(?:ab){2}|x$", "abab", "ababzz", "qx")]
    [InlineData(@"^.{2}$", "ab", "\"\\")]
    public void A_pattern_accepts_the_encodings_of_strings_it_matches(string pattern, params string[] values)
    {
        var schema = JsonSerializer.Serialize(new { type = "string", pattern });
        var regex = new Regex(pattern);
        Assert.All(values, v => Assert.Matches(regex, v));
        AssertAccepts(schema, [.. values.Select(v => JsonSerializer.Serialize(v, Json.Options))]);
    }

    [Theory]
    [InlineData(@"^\d{3}-\d{4}$", "5555-1234", "555-123", "abc-defg")]
    [InlineData(@"^(cat|dog)s?$", "cats!", "bird", "")]
    [InlineData(@"abc", "ab", "acb")]
    [InlineData(@"^[^a]$", "a", "bb", "")]
    [InlineData(@"^.$", "\n", "\r")]
    [InlineData(@"^\d$", "٣", "x")]
    [InlineData(@"^\W$", "é", "a", "_")]
    public void A_pattern_rejects_the_encodings_of_strings_it_does_not_match(string pattern, params string[] values)
    {
        var schema = JsonSerializer.Serialize(new { type = "string", pattern });
        AssertRejects(schema, [.. values.Select(v => JsonSerializer.Serialize(v, Json.Options))]);
    }

    [Fact]
    public void A_recursive_reference_becomes_a_rule_that_refers_to_itself()
    {
        var grammar = Of(StructuredOutputSchemas.Named("ref-recursive-list").Json);

        Assert.Contains("root ::= node\n", grammar);
        Assert.Matches(@"(?m)^node ::= .*\(node \| null\)", grammar);
    }

    [Fact]
    public void The_json_object_grammar_has_an_object_at_the_root_whatever_its_members_hold()
    {
        var rules = JsonGrammar.JsonObject.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("root ::= object", rules[0]);
        Assert.Contains("object ::= \"{\" ws (member (ws \",\" ws member)* ws)? \"}\"", rules);
        Assert.Contains("member ::= string ws \":\" ws value", rules);
        Assert.Contains("value ::= object | array | string | number | \"true\" | \"false\" | \"null\"", rules);
    }

    [Fact]
    public void Annotation_keywords_are_ignored()
    {
        const string annotated = """{"title":"t","description":"d","$schema":"s","$id":"i","$comment":"c","examples":[1],"default":1,"deprecated":true,"readOnly":true,"writeOnly":false,"type":"boolean"}""";

        Assert.Equal(Of("""{"type":"boolean"}"""), Of(annotated));
    }

    /// <summary>Serialises test strings the way JsonText writes them: raw except where JSON must escape.</summary>
    private static class Json
    {
        public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}
