using static LinearAlign.Server.Tests.StructuredOutput.SchemaGrammars;
using LinearAlign.Server.StructuredOutput;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>A schema the grammar cannot express exactly is refused, naming the keyword and where it is.</summary>
public sealed class UnsupportedSchemaTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer","multipleOf":5}}}""", "multipleOf", "$.properties.n")]
    [InlineData("""{"type":"array","items":{"type":"integer"},"uniqueItems":true}""", "uniqueItems", "$")]
    [InlineData("""{"not":{"type":"null"}}""", "not", "$")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"null"}]}""", "prefixItems", "$")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"null"}},"patternProperties":{"^x":{}}}""", "patternProperties", "$")]
    [InlineData("""{"type":"object","minProperties":1}""", "minProperties", "$")]
    [InlineData("""{"if":{"type":"null"},"then":{"type":"null"}}""", "if", "$")]
    [InlineData("""{"type":"string","x-custom":1}""", "x-custom", "$")]
    [InlineData("""{"allOf":[{"type":"integer"},{"minimum":0}]}""", "allOf", "$")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"null"}},"additionalProperties":true}""", "additionalProperties", "$")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"null"}},"additionalProperties":{"type":"null"}}""", "additionalProperties", "$")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"null"}},"required":["b"]}""", "required", "$")]
    [InlineData("""{"type":"string","format":"email"}""", "format", "$")]
    [InlineData("""{"type":"string","pattern":"^a$","maxLength":3}""", "maxLength", "$")]
    [InlineData("""{"type":"string","format":"date","minLength":3}""", "minLength", "$")]
    [InlineData("""{"type":"number","exclusiveMinimum":0}""", "exclusiveMinimum", "$")]
    [InlineData("""{"type":"number","minimum":0.5,"maximum":2}""", "minimum", "$")]
    [InlineData("""{"type":"integer","minimum":10,"maximum":5}""", "maximum", "$")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":2}""", "maxItems", "$")]
    [InlineData("""{"type":"string","minimum":1}""", "minimum", "$")]
    [InlineData("""{"type":"integer","enum":["a","b"]}""", "enum", "$")]
    [InlineData("""{"enum":[1,2],"minimum":1}""", "minimum", "$")]
    [InlineData("""{"anyOf":[{"type":"null"}],"type":"object"}""", "type", "$")]
    [InlineData("""{"type":"date"}""", "type", "$")]
    [InlineData("""{"type":"object","properties":{"x":false}}""", "false", "$.properties.x")]
    [InlineData("""{"$ref":"other.json#/$defs/a"}""", "$ref", "$")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$ref", "$")]
    [InlineData("""{"$ref":"#/$defs/a","maxLength":2,"$defs":{"a":{"type":"string"}}}""", "maxLength", "$")]
    [InlineData("""{"type":"array","items":[{"type":"null"}]}""", "items", "$")]
    [InlineData("""{"anyOf":[{"type":"null"},{"type":"object","properties":{"first name":{"type":"integer","multipleOf":2}}}]}""", "multipleOf", "$.anyOf[1].properties['first name']")]
    [InlineData("""{"$ref":"#/$defs/item","$defs":{"item":{"type":"array","contains":{"type":"null"}}}}""", "contains", "$.$defs.item")]
    public void An_inexpressible_keyword_is_refused_with_its_name_and_path(string schema, string keyword, string path)
    {
        var refusal = Assert.Throws<UnsupportedSchemaException>(() => Of(schema));

        Assert.Equal(keyword, refusal.Keyword);
        Assert.Equal(path, refusal.Path);
        Assert.Contains($"'{keyword}' at {path}", refusal.Message);
    }

    [Theory]
    [InlineData("^(?=a)a$")]
    [InlineData("^(?!a).$")]
    [InlineData("^(?<=a)b$")]
    [InlineData("^(a)\\1$")]
    [InlineData("^\\bword$")]
    [InlineData("^\\p{L}$")]
    [InlineData("^(?i)a$")]
    [InlineData("^a^b$")]
    [InlineData("^a$b")]
    [InlineData("^(a$")]
    [InlineData("^a)$")]
    [InlineData("^[a$")]
    [InlineData("^*a$")]
    [InlineData("^[z-a]$")]
    [InlineData("^[]$")]
    public void A_pattern_outside_the_grammar_subset_is_refused_naming_pattern(string pattern)
    {
        var schema = System.Text.Json.JsonSerializer.Serialize(new { type = "string", pattern });

        var refusal = Assert.Throws<UnsupportedSchemaException>(() => Of(schema));

        Assert.Equal("pattern", refusal.Keyword);
        Assert.Equal("$", refusal.Path);
    }
}
