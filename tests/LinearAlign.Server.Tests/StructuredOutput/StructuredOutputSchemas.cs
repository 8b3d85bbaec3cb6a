using System.Text.Json;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>A JSON Schema with a name to report it by.</summary>
public sealed record NamedSchema(string Name, string Json)
{
    public JsonElement Schema => JsonDocument.Parse(Json).RootElement;

    public override string ToString() => Name;
}

/// <summary>
/// Schemas covering every construct the grammar converter supports, shared by the converter's tests and the
/// end-to-end structured-output tests. Each is finite in what a model can be made to write: strings have maxLength
/// (or a bounded pattern or format), arrays maxItems, numbers a digit limit, recursion a way out at every level,
/// so that even a random-weights model filling one in reaches the end.
/// </summary>
public static class StructuredOutputSchemas
{
    public static IReadOnlyList<NamedSchema> All { get; } =
    [
        new("object-required", """{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer","minimum":0,"maximum":120}},"required":["name","age"],"additionalProperties":false}"""),
        new("object-optional-interleaved", """{"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"integer","minimum":0,"maximum":9},"c":{"type":"null"},"d":{"type":"string","maxLength":5},"e":{"type":"boolean"}},"required":["b","d"]}"""),
        new("object-all-optional", """{"type":"object","properties":{"x":{"type":"integer","minimum":-5,"maximum":5},"y":{"type":"boolean"},"z":{"type":"string","maxLength":4}}}"""),
        new("object-no-properties", """{"type":"object","properties":{}}"""),
        new("object-closed-empty", """{"type":"object","additionalProperties":false}"""),
        new("object-nested", """{"type":"object","properties":{"user":{"type":"object","properties":{"id":{"type":"integer","minimum":1,"maximum":999},"email":{"type":"string","maxLength":30}},"required":["id"]},"active":{"type":"boolean"}},"required":["user","active"]}"""),
        new("object-escaped-keys", """{"type":"object","properties":{"first name":{"type":"string","maxLength":8},"say \"hi\"":{"type":"boolean"},"naïve":{"type":"null"},"back\\slash":{"type":"integer","minimum":0,"maximum":3}},"required":["first name","say \"hi\"","naïve","back\\slash"]}"""),
        new("array-of-strings", """{"type":"array","items":{"type":"string","maxLength":10},"maxItems":3}"""),
        new("array-min-max", """{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"minItems":2,"maxItems":4}"""),
        new("array-exact-length", """{"type":"array","items":{"type":"boolean"},"minItems":3,"maxItems":3}"""),
        new("array-empty-only", """{"type":"array","maxItems":0}"""),
        new("array-of-objects", """{"type":"object","properties":{"points":{"type":"array","items":{"type":"object","properties":{"x":{"type":"integer","minimum":0,"maximum":10},"y":{"type":"integer","minimum":0,"maximum":10}},"required":["x","y"]},"minItems":1,"maxItems":3}},"required":["points"]}"""),
        new("array-of-arrays", """{"type":"array","items":{"type":"array","items":{"type":"integer","minimum":0,"maximum":99},"maxItems":2},"maxItems":2}"""),
        new("enum-strings", """{"type":"object","properties":{"color":{"type":"string","enum":["red","green","blue"]}},"required":["color"]}"""),
        new("enum-mixed", """{"enum":["red",1,2.5,true,null,{"a":[1,"b"]},[1,2],"quote \" and \\ and \n"]}"""),
        new("enum-filtered-by-type", """{"type":"integer","enum":[1,"one",2.5,3]}"""),
        new("const-string", """{"type":"object","properties":{"kind":{"const":"person"},"n":{"type":"integer","minimum":0,"maximum":3}},"required":["kind","n"]}"""),
        new("const-object", """{"const":{"version":2,"tags":["a","b"],"nested":{"ok":true}}}"""),
        new("string-length", """{"type":"object","properties":{"code":{"type":"string","minLength":2,"maxLength":8}},"required":["code"]}"""),
        new("string-exact-length", """{"type":"string","minLength":3,"maxLength":3}"""),
        new("pattern-phone", """{"type":"object","properties":{"phone":{"type":"string","pattern":"^\\d{3}-\\d{4}$"}},"required":["phone"]}"""),
        new("pattern-alternation", """{"type":"string","pattern":"^(cat|dog|bird)s?$"}"""),
        new("pattern-class-quantifiers", """{"type":"string","pattern":"^[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?$"}"""),
        new("pattern-email-like", """{"type":"string","pattern":"^[\\w.+-]{1,10}@[a-z]{2,8}\\.(com|org|net)$"}"""),
        new("pattern-json-escapes", """{"type":"string","pattern":"^[\"\\\\]{1,3}\\t?\\n?$"}"""),
        new("pattern-negated-class", """{"type":"string","pattern":"^[^0-9]{1,5}$"}"""),
        new("pattern-non-ascii", """{"type":"string","pattern":"^(?:[éü]|日本){1,3}$"}"""),
        new("pattern-optional-group", """{"type":"string","pattern":"^v(?<major>\\d{1,2})(\\.\\d{1,2}){0,2}$"}"""),
        new("format-date", """{"type":"object","properties":{"day":{"type":"string","format":"date"}},"required":["day"]}"""),
        new("format-time", """{"type":"string","format":"time"}"""),
        new("format-date-time", """{"type":"string","format":"date-time"}"""),
        new("format-uuid", """{"type":"object","properties":{"id":{"type":"string","format":"uuid"}},"required":["id"]}"""),
        new("integer-range", """{"type":"integer","minimum":0,"maximum":120}"""),
        new("integer-negative-range", """{"type":"integer","minimum":-50,"maximum":-10}"""),
        new("integer-across-zero", """{"type":"integer","minimum":-1000,"maximum":1000}"""),
        new("integer-exclusive", """{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":100}"""),
        new("integer-draft4-exclusive", """{"type":"integer","minimum":0,"exclusiveMinimum":true,"maximum":10,"exclusiveMaximum":true}"""),
        new("integer-large", """{"type":"integer","minimum":1000000,"maximum":1000050}"""),
        new("integer-minimum-only", """{"type":"integer","minimum":18}"""),
        new("integer-unbounded", """{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"""),
        new("number-unbounded", """{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}"""),
        new("number-range", """{"type":"number","minimum":0,"maximum":1}"""),
        new("number-negative-range", """{"type":"number","minimum":-5,"maximum":5}"""),
        new("boolean", """{"type":"boolean"}"""),
        new("null", """{"type":"null"}"""),
        new("nullable-string", """{"type":"object","properties":{"nickname":{"type":["string","null"],"maxLength":10}},"required":["nickname"]}"""),
        new("type-array", """{"type":["integer","boolean","null"],"minimum":1,"maximum":3}"""),
        new("anyOf-primitives", """{"anyOf":[{"type":"integer","minimum":0,"maximum":5},{"type":"string","maxLength":5},{"type":"null"}]}"""),
        new("oneOf-tagged", """{"oneOf":[{"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"integer","minimum":1,"maximum":9}},"required":["kind","r"]},{"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"integer","minimum":1,"maximum":9}},"required":["kind","side"]}]}"""),
        new("allOf-single", """{"allOf":[{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}]}"""),
        new("ref-defs", """{"type":"object","properties":{"home":{"$ref":"#/$defs/Address"},"work":{"$ref":"#/$defs/Address"}},"required":["home"],"$defs":{"Address":{"type":"object","properties":{"city":{"type":"string","maxLength":12},"zip":{"type":"string","pattern":"^\\d{5}$"}},"required":["city","zip"]}}}"""),
        new("ref-definitions", """{"definitions":{"level":{"type":"string","enum":["low","high"]}},"type":"array","items":{"$ref":"#/definitions/level"},"maxItems":3}"""),
        new("ref-recursive-list", """{"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer","minimum":0,"maximum":9},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["value","next"]}},"$ref":"#/$defs/node"}"""),
        new("ref-root-recursive", """{"type":"object","properties":{"label":{"type":"string","maxLength":3},"child":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},"required":["label","child"]}"""),
        new("pydantic-style", """{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"Person","description":"A person.","type":"object","properties":{"name":{"title":"Name","type":"string","maxLength":16,"examples":["Ada"]},"email":{"anyOf":[{"type":"string","maxLength":24},{"type":"null"}],"default":null,"title":"Email"},"role":{"$ref":"#/$defs/Role","deprecated":false}},"required":["name","role"],"additionalProperties":false,"$defs":{"Role":{"title":"Role","enum":["admin","user"],"type":"string","$comment":"roles"}}}"""),
    ];

    public static NamedSchema Named(string name) => All.Single(s => s.Name == name);
}
