using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

/// <summary>Health, the model list, /tokenize, /detokenize, framework errors and the API description.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServedModelTests(ServerFixture server)
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_ok_once_the_model_is_loaded(string path) =>
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(path)).StatusCode);

    [Fact]
    public async Task The_model_list_names_the_loaded_model_with_its_context_length()
    {
        var body = await server.Client.GetFromJsonAsync<JsonElement>("/v1/models");

        var model = body.GetProperty("data")[0];
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(ServerFixture.ContextSize, model.GetProperty("meta").GetProperty("context_length").GetInt32());
    }

    [Fact]
    public async Task The_model_is_retrievable_by_its_id_with_its_size()
    {
        var model = await server.Client.GetFromJsonAsync<JsonElement>("/v1/models/tiny");

        Assert.Equal("tiny", model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(ServerFixture.ContextSize, model.GetProperty("meta").GetProperty("context_length").GetInt32());
        Assert.True(model.GetProperty("meta").GetProperty("parameter_count").GetInt64() > 0);
    }

    [Fact]
    public async Task A_model_that_declares_no_principles_has_none_in_its_meta()
    {
        var model = await server.Client.GetFromJsonAsync<JsonElement>("/v1/models/tiny");

        Assert.False(model.GetProperty("meta").TryGetProperty("principles", out _));
    }

    [Fact]
    public async Task An_unknown_model_id_is_404_model_not_found()
    {
        using var response = await server.Client.GetAsync("/v1/models/gpt-4o");

        Api.AssertError(HttpStatusCode.NotFound, response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), "invalid_request_error", "model", "model_not_found");
    }

    [Fact]
    public async Task Tokenize_then_detokenize_gives_back_the_text()
    {
        var (_, tokenized) = await Api.PostAsync(server.Client, "/tokenize", """{"content":"hello world","add_special":false,"with_pieces":true}""");
        var tokens = tokenized.GetProperty("tokens").GetRawText();

        var (_, detokenized) = await Api.PostAsync(server.Client, "/detokenize", $$"""{"tokens":{{tokens}}}""");

        Assert.Equal(tokenized.GetProperty("tokens").GetArrayLength(), tokenized.GetProperty("count").GetInt32());
        Assert.Equal(ServerFixture.ContextSize, tokenized.GetProperty("max_model_len").GetInt32());
        Assert.Equal("hello world", string.Concat(tokenized.GetProperty("pieces").EnumerateArray().Select(p => p.GetString())).TrimStart());
        Assert.Equal("hello world", detokenized.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Tokenizing_a_dialog_with_a_principle_counts_what_an_aligned_request_is_charged()
    {
        const string dialog = """{"messages":[{"role":"system","content":"Answer briefly"},{"role":"user","content":"Hi"}],"principle":"Be kind"}""";
        var (_, tokenized) = await Api.PostAsync(server.Client, "/tokenize", dialog);

        var (_, completion) = await Api.PostAsync(server.Client, "/v1/chat/completions", dialog[..^1] + ""","max_tokens":1}""");

        Assert.Equal(completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), tokenized.GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("/tokenize", """{"content":"a","prompt":"b"}""", "content")]
    [InlineData("/tokenize", """{}""", "content")]
    [InlineData("/tokenize", """{"messages":[{"role":"robot","content":"b"}]}""", "messages[0].role")]
    [InlineData("/detokenize", """{}""", "tokens")]
    [InlineData("/detokenize", """{"tokens":[1,-1]}""", "tokens[1]")]
    [InlineData("/detokenize", """{"tokens":[1,512]}""", "tokens[1]")]
    [InlineData("/detokenize", """{"tokens":["a"]}""", "tokens[0]")]
    public async Task Bad_tokenizer_requests_name_the_parameter(string path, string json, string param)
    {
        var (status, body) = await Api.PostAsync(server.Client, path, json);

        Api.AssertInvalidRequest(status, body, param);
    }

    [Fact]
    public async Task A_body_sent_without_a_json_content_type_is_still_read()
    {
        using var response = await server.Client.PostAsync("/tokenize", new StringContent("""{"content":"hi"}""", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_body_starting_with_a_utf8_byte_order_mark_is_read()
    {
        using var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("""{"content":"hi"}""")]);

        using var response = await server.Client.PostAsync("/tokenize", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/nothing-here", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/v1/models", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "/v1/chat/completions", HttpStatusCode.MethodNotAllowed)]
    public async Task Framework_errors_have_openai_shaped_bodies(string method, string path, HttpStatusCode expected)
    {
        using var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(expected, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Every_response_carries_a_request_id()
    {
        using var response = await server.Client.GetAsync("/v1/models");

        Assert.StartsWith("req_", response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_extension_field()
    {
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        foreach (var path in new[] { "/v1/chat/completions", "/v1/completions" })
        {
            var properties = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody")
                .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("properties");
            foreach (var field in new[] { "principle", "step_size", "alignment_mode", "alignment_compare", "principles", "alignment_diagnostics", "ignore_eos", "top_k", "min_p", "repeat_penalty" })
            {
                Assert.False(string.IsNullOrWhiteSpace(properties.GetProperty(field).GetProperty("description").GetString()), $"{path} {field}");
            }
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_the_logprobs_fields_of_requests_and_responses()
    {
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var (path, fields) in new[] { ("/v1/chat/completions", new[] { "logprobs", "top_logprobs" }), ("/v1/completions", ["logprobs"]) })
        {
            var properties = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody")
                .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("properties");
            Assert.All(fields, field => Assert.False(string.IsNullOrWhiteSpace(properties.GetProperty(field).GetProperty("description").GetString()), $"{path} {field}"));
        }
        Assert.Equal(
            ["token", "logprob", "bytes", "top_logprobs", "linear_alignment"],
            schemas.GetProperty("ChatTokenLogprob").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["tokens", "token_logprobs", "top_logprobs", "text_offset", "linear_alignment"],
            schemas.GetProperty("CompletionLogprobs").GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_steering_trace_and_diagnostics_of_responses()
    {
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal(
            ["id", "text", "text_offset", "steered", "probability", "principle_probability", "principle_choice"],
            schemas.GetProperty("SteeredTokenInfo").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        var alignment = schemas.GetProperty("LinearAlignmentInfo").GetProperty("properties");
        Assert.All(["principles", "diagnostics"], field => Assert.False(string.IsNullOrWhiteSpace(alignment.GetProperty(field).GetProperty("description").GetString()), field));
        var diagnostics = schemas.GetProperty("DiagnosticsInfo").GetProperty("properties");
        Assert.All(
            ["steered_tokens", "mean_kl_aligned_principled", "mean_kl_principled_base", "mean_direction_norm"],
            field => Assert.False(string.IsNullOrWhiteSpace(diagnostics.GetProperty(field).GetProperty("description").GetString()), field));
        Assert.True(schemas.GetProperty("ChatCompletionChoice").GetProperty("properties").TryGetProperty("linear_alignment", out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_principles_in_model_meta()
    {
        var document = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var principles = document.GetProperty("components").GetProperty("schemas").GetProperty("ModelMeta").GetProperty("properties").GetProperty("principles");
        Assert.False(string.IsNullOrWhiteSpace(principles.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        using var response = await server.Client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
