using System.Text.Json;
using LinearAlign.Server.StructuredOutput;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>Converting schemas written inline in tests, and matching JSON text against the result.</summary>
internal static class SchemaGrammars
{
    public static string Of(string schemaJson) => JsonSchemaGrammar.FromSchema(JsonDocument.Parse(schemaJson).RootElement);

    /// <summary>Whether the grammar of <paramref name="schemaJson"/> accepts each text, by text.</summary>
    public static Dictionary<string, bool> Verdicts(string schemaJson, params string[] texts)
    {
        var regex = GbnfRegex.For(Of(schemaJson));
        return texts.ToDictionary(t => t, regex.IsMatch);
    }

    public static void AssertAccepts(string schemaJson, params string[] texts) =>
        Assert.Empty(Verdicts(schemaJson, texts).Where(v => !v.Value).Select(v => v.Key));

    public static void AssertRejects(string schemaJson, params string[] texts) =>
        Assert.Empty(Verdicts(schemaJson, texts).Where(v => v.Value).Select(v => v.Key));
}
