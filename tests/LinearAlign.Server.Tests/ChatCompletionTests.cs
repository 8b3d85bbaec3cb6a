using System.Net;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class ChatCompletionTests(ServerFixture server)
{
    private const string Greedy = "\"temperature\":0," + Api.NoEndOfGeneration;

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json) => Api.PostAsync(server.Client, "/v1/chat/completions", json);

    [Fact]
    public async Task A_chat_completion_has_the_openai_shape_and_echoes_the_alignment()
    {
        var (status, body) = await PostAsync($$"""{"model":"tiny","messages":[{"role":"user","content":"Hello"}],"max_tokens":4,"principle":"Be kind","step_size":1.5,{{Greedy}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal("tiny", body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.StartsWith("linearalign-", body.GetProperty("system_fingerprint").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(4, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 4, usage.GetProperty("total_tokens").GetInt32());
        var alignment = body.GetProperty("linear_alignment");
        Assert.Equal(1.5f, alignment.GetProperty("step_size").GetSingle());
        Assert.Equal("reference", alignment.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Extensions_nested_in_extra_body_are_applied_as_at_the_top_level()
    {
        var (_, topLevel) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hello"}],"max_tokens":4,"principle":"Be kind","step_size":-1.5,"alignment_mode":"normalized",{{Greedy}}}""");
        var (status, nested) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hello"}],"max_tokens":4,"extra_body":{"principle":"Be kind","step_size":-1.5,"alignment_mode":"normalized"},{{Greedy}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(topLevel.GetProperty("linear_alignment").GetRawText(), nested.GetProperty("linear_alignment").GetRawText());
        Assert.Equal(Text(topLevel), Text(nested));
    }

    [Fact]
    public async Task Content_given_as_text_parts_is_the_same_dialog_as_a_string()
    {
        var (_, asString) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hello there"}],"max_tokens":4,{{Greedy}}}""");
        var (status, asParts) = await PostAsync($$"""{"messages":[{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}]}],"max_tokens":4,{{Greedy}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Text(asString), Text(asParts));
        Assert.Equal(PromptTokens(asString), PromptTokens(asParts));
    }

    [Fact]
    public async Task The_developer_role_is_a_system_message()
    {
        var (_, system) = await PostAsync($$"""{"messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hi"}],"max_tokens":4,{{Greedy}}}""");
        var (status, developer) = await PostAsync($$"""{"messages":[{"role":"developer","content":"Be brief"},{"role":"user","content":"Hi"}],"max_tokens":4,{{Greedy}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Text(system), Text(developer));
    }

    [Fact]
    public async Task Max_completion_tokens_takes_precedence_over_max_tokens()
    {
        var (_, body) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":9,"max_completion_tokens":2,{{Greedy}}}""");

        Assert.Equal(2, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Without_max_tokens_a_chat_completion_ends_at_the_end_of_generation_token()
    {
        var (status, body) = await PostAsync("""{"messages":[{"role":"user","content":"Hi"}],"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task N_choices_each_get_their_own_index_and_seeded_choices_differ()
    {
        var (status, body) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":6,"n":3,"seed":7,"temperature":1.5,{{Api.NoEndOfGeneration}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.True(choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()).Distinct().Count() > 1);
        Assert.Equal(18, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_text()
    {
        const string json = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":6,"seed":42,"temperature":1.2,"logit_bias":{"2":-100,"4":-100}}""";

        var (_, first) = await PostAsync(json);
        var (_, second) = await PostAsync(json);

        Assert.Equal(Text(first), Text(second));
    }

    [Fact]
    public async Task A_stop_string_ends_the_text_before_it()
    {
        var (_, whole) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":8,{{Greedy}}}""");
        var text = Text(whole);
        var stop = text.Substring(text.Length / 2, 1);

        var (_, stopped) = await PostAsync($$"""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":8,"stop":{{JsonSerializer.Serialize(stop)}},{{Greedy}}}""");

        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], Text(stopped));
        Assert.Equal("stop", stopped.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        var (status, _) = await PostAsync("""{"messages":[{"role":"user","content":"Hi","name":"ann"}],"max_tokens":2,"user":"u1","metadata":{"a":1},"parallel_tool_calls":true,"store":false}""");

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("""{"max_tokens":2}""", "messages")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"messages":"Hi"}""", "messages")]
    [InlineData("""{"messages":[{"content":"Hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"},{"role":"wizard","content":"Hi"}]}""", "messages[1].role")]
    [InlineData("""{"messages":[{"role":"tool","content":"42"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "messages[0].content")]
    [InlineData("""{"messages":[{"role":"user","content":42}]}""", "messages[0].content")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text"}]}]}""", "messages[0].content[0].text")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"max_completion_tokens":0}""", "max_completion_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"n":17}""", "n")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""", "tools")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"xml"}}""", "response_format.type")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"presence_penalty":3}""", "presence_penalty")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"top_k":-1}""", "top_k")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"seed":"x"}""", "seed")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"principle":"Be kind","step_size":-11}""", "step_size")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"logit_bias":{"99999":1}}""", "logit_bias")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"principle":"a","extra_body":{"principle":"b"}}""", "extra_body.principle")]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"extra_body":{"step_size":"big"}}""", "extra_body.step_size")]
    public async Task Bad_chat_requests_get_an_invalid_request_error_naming_the_parameter(string json, string param)
    {
        var (status, body) = await PostAsync(json);

        Api.AssertInvalidRequest(status, body, param);
    }

    [Fact]
    public async Task An_unknown_model_is_refused_naming_the_model()
    {
        var (status, body) = await PostAsync("""{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""");

        Api.AssertInvalidRequest(status, body, "model", "model_not_found");
    }

    [Fact]
    public async Task A_dialog_longer_than_the_context_is_refused_with_the_token_counts()
    {
        var content = string.Join(' ', Enumerable.Repeat("the answer", ServerFixture.ContextSize));

        var (status, body) = await PostAsync(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content } } }));

        Api.AssertInvalidRequest(status, body, "messages", "context_length_exceeded");
        Assert.Contains(ServerFixture.ContextSize.ToString(), body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Generation_that_reaches_the_context_limit_finishes_with_length()
    {
        var (_, measured) = await Api.PostAsync(server.Client, "/tokenize", """{"messages":[{"role":"user","content":"the answer the answer"}]}""");
        var (_, longer) = await Api.PostAsync(server.Client, "/tokenize", """{"messages":[{"role":"user","content":"the answer the answer the answer"}]}""");
        var perRepeat = longer.GetProperty("count").GetInt32() - measured.GetProperty("count").GetInt32();
        var repeats = (ServerFixture.ContextSize - 20 - measured.GetProperty("count").GetInt32()) / perRepeat;
        var content = "the answer" + string.Concat(Enumerable.Repeat(" the answer", repeats + 1));

        var (status, body) = await PostAsync(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content } }, temperature = 0, logit_bias = new Dictionary<string, int> { ["2"] = -100, ["4"] = -100 } }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(ServerFixture.ContextSize, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_repeated_conversation_reports_its_prompt_cache_hit_in_prompt_tokens_details()
    {
        const string json = $$"""{"messages":[{"role":"system","content":"You answer the question of the user"},{"role":"user","content":"What is the answer to the question"}],"max_tokens":3,"ignore_eos":true,"temperature":0}""";

        var (_, first) = await PostAsync(json);
        var (_, again) = await PostAsync(json);

        var cached = again.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.Equal(JsonValueKind.Number, first.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").ValueKind);
        Assert.Equal(PromptTokens(again) - 1, cached);
        Assert.Equal(Text(first), Text(again));
    }

    [Fact]
    public async Task Ignore_eos_runs_a_chat_turn_to_max_tokens()
    {
        var (_, body) = await PostAsync("""{"messages":[{"role":"user","content":"Hello"}],"max_tokens":6,"ignore_eos":true,"temperature":0}""");

        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(6, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    private static string Text(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    private static int PromptTokens(JsonElement body) => body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
}
