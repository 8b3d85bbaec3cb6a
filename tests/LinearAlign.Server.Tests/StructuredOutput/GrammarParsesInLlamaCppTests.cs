using LinearAlign.Server.StructuredOutput;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>Every grammar the converter writes is one llama.cpp's grammar parser accepts.</summary>
public sealed class GrammarParsesInLlamaCppTests
{
    public static TheoryData<string> SchemaNames => [.. StructuredOutputSchemas.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Each_shared_schema_converts_to_a_grammar_llama_cpp_parses(string name)
    {
        var grammar = JsonSchemaGrammar.FromSchema(StructuredOutputSchemas.Named(name).Schema);

        Assert.Null(LlamaGrammarParser.ErrorOf(grammar));
    }

    [Fact]
    public void The_json_object_grammar_parses_in_llama_cpp() => Assert.Null(LlamaGrammarParser.ErrorOf(JsonGrammar.JsonObject));

    [Fact]
    public void The_parse_check_catches_a_grammar_llama_cpp_rejects() => Assert.NotNull(LlamaGrammarParser.ErrorOf("root ::= undefined-rule"));

    [Fact]
    public void The_shared_schemas_number_at_least_forty_with_unique_names()
    {
        Assert.True(StructuredOutputSchemas.All.Count >= 40, $"{StructuredOutputSchemas.All.Count} schemas");
        Assert.Equal(StructuredOutputSchemas.All.Count, StructuredOutputSchemas.All.Select(s => s.Name).Distinct().Count());
    }
}
