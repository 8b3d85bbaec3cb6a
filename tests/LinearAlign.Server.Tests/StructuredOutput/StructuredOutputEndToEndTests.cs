using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using static LinearAlign.Server.Tests.Logprobs.LogprobRequests;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>
/// response_format through the API: every reply that ends by itself parses and validates against its schema (with a
/// real validator, JsonSchema.Net), plain and aligned, greedy and sampled, on both endpoints, streamed and in
/// comparisons; a schema that cannot be enforced is a 400 naming the keyword.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class StructuredOutputEndToEndTests(ServerFixture server)
{
    /// <summary>Room for any of the bounded schemas' values.</summary>
    private const string Room = "\"max_tokens\":600";

    private static readonly EvaluationOptions Validation = new() { RequireFormatValidation = true, OutputFormat = OutputFormat.List };

    public static TheoryData<NamedSchema> Schemas => [.. StructuredOutputSchemas.All];

    /// <summary>
    /// The ways each schema is filled in: plain and aligned, greedy and sampled with several seeds, and the reference
    /// code's sampling with a large step, whose principled nucleus often leaves the grammar nothing.
    /// </summary>
    private static readonly string[] Conditions =
    [
        "\"temperature\":0",
        "\"temperature\":0," + Aligned,
        "\"temperature\":1,\"seed\":1",
        "\"temperature\":1.5,\"seed\":4",
        "\"temperature\":1,\"seed\":2," + Aligned,
        "\"temperature\":1.5,\"seed\":5," + Aligned,
        "\"temperature\":0.5,\"top_p\":0.8,\"seed\":3,\"principle\":\"Be kind\",\"step_size\":8",
    ];

    private static string JsonSchemaFormat(NamedSchema schema) =>
        "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"" + schema.Name + "\",\"schema\":" + schema.Json + ",\"strict\":true}}";

    [Theory]
    [MemberData(nameof(Schemas))]
    public async Task Every_chat_reply_that_ends_by_itself_is_json_valid_against_the_schema(NamedSchema schema)
    {
        var replies = await Task.WhenAll(Conditions.Select(condition => FirstChoiceAsync(server.Client, Chat, ChatBody(Room, condition, JsonSchemaFormat(schema)))));

        Assert.All(replies, reply =>
        {
            Assert.Equal("stop", reply.Choice.GetProperty("finish_reason").GetString());
            AssertValid(schema, reply.Choice.GetProperty("message").GetProperty("content").GetString()!);
        });
    }

    [Fact]
    public async Task A_completion_with_a_json_schema_is_valid_against_it()
    {
        var schema = StructuredOutputSchemas.All[0];

        var (_, choice) = await FirstChoiceAsync(server.Client, Completions, CompletionBody(Room, "\"temperature\":1,\"seed\":4," + Aligned, JsonSchemaFormat(schema)));

        AssertValid(schema, choice.GetProperty("text").GetString()!);
    }

    [Fact]
    public async Task A_streamed_reply_s_deltas_make_a_json_value_valid_against_the_schema()
    {
        var schema = StructuredOutputSchemas.All[0];

        var chunks = await ChunksAsync(server.Client, Chat, ChatBody(Room, "\"stream\":true,\"temperature\":1,\"seed\":5," + Aligned, JsonSchemaFormat(schema)));

        var text = string.Concat(chunks.Select(chunk => chunk.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));
        AssertValid(schema, text);
    }

    [Fact]
    public async Task Each_choice_of_a_comparison_is_valid_against_the_schema()
    {
        var schema = StructuredOutputSchemas.All[0];

        var (status, body) = await Api.PostAsync(server.Client, Chat, ChatBody(Room, "\"temperature\":1,\"seed\":6,\"alignment_compare\":true," + Aligned, JsonSchemaFormat(schema)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("choices").GetArrayLength());
        Assert.All(body.GetProperty("choices").EnumerateArray(), choice => AssertValid(schema, choice.GetProperty("message").GetProperty("content").GetString()!));
    }

    [Theory]
    [InlineData("\"temperature\":0")]
    [InlineData("\"temperature\":1,\"seed\":7," + Aligned)]
    public async Task Json_object_mode_replies_with_a_json_object_or_is_cut_by_max_tokens(string condition)
    {
        var (_, choice) = await FirstChoiceAsync(server.Client, Chat, ChatBody("\"max_tokens\":200", condition, "\"response_format\":{\"type\":\"json_object\"}"));

        var content = choice.GetProperty("message").GetProperty("content").GetString()!;
        if (choice.GetProperty("finish_reason").GetString() == "stop")
        {
            Assert.IsType<JsonObject>(JsonNode.Parse(content));
        }
        else
        {
            Assert.StartsWith("{", content);
        }
    }

    [Fact]
    public async Task A_reply_cut_by_max_tokens_ends_with_length()
    {
        var (_, choice) = await FirstChoiceAsync(server.Client, Chat, ChatBody("\"max_tokens\":2,\"temperature\":0", JsonSchemaFormat(StructuredOutputSchemas.All[0])));

        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"(?=a)b"}""", "pattern")]
    [InlineData("""{"type":"number","multipleOf":3}""", "multipleOf")]
    [InlineData("""{"type":"string","format":"hostname"}""", "format")]
    public async Task A_schema_keyword_that_cannot_be_enforced_is_a_400_naming_it(string schema, string keyword)
    {
        var (status, body) = await Api.PostAsync(server.Client, Chat, ChatBody(JsonSchemaFormat(new NamedSchema("bad", schema))));

        Api.AssertInvalidRequest(status, body, "response_format.json_schema.schema");
        Assert.Contains($"'{keyword}'", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_schema_whose_grammar_llama_cpp_refuses_is_a_400_naming_the_response_format()
    {
        // A million nested repetitions: the converter writes them, llama.cpp's parser will not take them.
        var (status, body) = await Api.PostAsync(server.Client, Chat, ChatBody(JsonSchemaFormat(new NamedSchema("nested", """{"type":"string","pattern":"^(a{1,1000}){1,1000}$"}"""))));

        Api.AssertInvalidRequest(status, body, "response_format");
    }

    [Fact]
    public async Task An_unknown_response_format_type_is_a_400()
    {
        var (status, body) = await Api.PostAsync(server.Client, Chat, ChatBody("\"response_format\":{\"type\":\"yaml\"}"));

        Api.AssertInvalidRequest(status, body, "response_format.type");
    }

    private static void AssertValid(NamedSchema schema, string json)
    {
        using var instance = JsonDocument.Parse(json);
        // Draft 7 still reads "definitions", which 2020-12 (the validator's default) calls unknown.
        var result = JsonSchema.FromText(InValidatorDialect(schema.Json), new BuildOptions { Dialect = Dialect.Draft07 })
            .Evaluate(instance.RootElement, Validation);
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
        Assert.True(result.IsValid, $"{schema.Name}: {json}\n{string.Join("\n", errors)}");
    }

    /// <summary>
    /// The schema as the validator reads it: draft 4's boolean exclusiveMinimum/exclusiveMaximum (which the converter
    /// accepts, and JsonSchema.Net, from draft 6 on, does not) become the numbers later drafts use.
    /// </summary>
    private static string InValidatorDialect(string schema)
    {
        var node = JsonNode.Parse(schema)!;
        Rewrite(node);
        return node.ToJsonString();

        static void Rewrite(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (exclusive, bound) in new[] { ("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum") })
                    {
                        if (obj[exclusive] is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                        {
                            obj.Remove(exclusive);
                            if (flag.GetValue<bool>() && obj[bound] is { } limit)
                            {
                                obj.Remove(bound);
                                obj[exclusive] = limit;
                            }
                        }
                    }
                    foreach (var (_, child) in obj.ToList())
                    {
                        Rewrite(child);
                    }
                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Rewrite(child);
                    }
                    break;
            }
        }
    }
}
