using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class CompletionEndpointTests(ServerFixture server)
{
    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json) => Api.PostAsync(server.Client, "/v1/completions", json);

    [Fact]
    public async Task A_completion_with_a_principle_returns_text_and_echoes_the_alignment_applied()
    {
        var (status, body) = await PostAsync("""{"prompt":"What is the answer","max_tokens":6,"temperature":0,"principle":"Be kind","step_size":3}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString());
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Contains(choice.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
        var alignment = body.GetProperty("linear_alignment");
        Assert.Equal(3f, alignment.GetProperty("step_size").GetSingle());
        Assert.Equal("reference", alignment.GetProperty("mode").GetString());
        Assert.True(alignment.GetProperty("principle_tokens").GetInt32() > 0);
        var usage = body.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_plain_completion_reports_no_alignment()
    {
        var (status, body) = await PostAsync("""{"prompt":"What is the answer","max_tokens":3,"seed":5}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.TryGetProperty("linear_alignment", out _));
    }

    [Fact]
    public async Task N_choices_are_generated_and_the_prompt_is_counted_once()
    {
        var (_, single) = await PostAsync("""{"prompt":"What is it","max_tokens":4,"temperature":0}""");
        var (status, body) = await PostAsync("""{"prompt":"What is it","max_tokens":4,"temperature":0,"n":3}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([0, 1, 2], body.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(
            single.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(),
            body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [InlineData("{bad json", null)]
    [InlineData("""{"prompt":"hi","temperature":"hot"}""", "temperature")]
    [InlineData("""{"prompt":"hi","max_tokens":1.5}""", "max_tokens")]
    [InlineData("""{"prompt":42}""", "prompt")]
    [InlineData("""{"max_tokens":3}""", "prompt")]
    [InlineData("""{"prompt":"hi","temperature":3}""", "temperature")]
    [InlineData("""{"prompt":"hi","principle":"x","step_size":100}""", "step_size")]
    [InlineData("""{"prompt":"hi","alignment_mode":"sideways"}""", "alignment_mode")]
    [InlineData("""{"prompt":"hi","logit_bias":{"abc":1}}""", "logit_bias")]
    [InlineData("""{"prompt":"hi","max_tokens":0}""", "max_tokens")]
    [InlineData("""{"prompt":"hi","n":0}""", "n")]
    public async Task Bad_requests_get_an_openai_invalid_request_error_naming_the_parameter(string json, string? param)
    {
        var (status, body) = await PostAsync(json);

        Api.AssertInvalidRequest(status, body, param);
    }

    [Fact]
    public async Task An_unknown_model_is_refused()
    {
        var (status, body) = await PostAsync("""{"model":"gpt-9","prompt":"hi"}""");

        Api.AssertInvalidRequest(status, body, "model", "model_not_found");
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused_with_context_length_exceeded()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("the answer", ServerFixture.ContextSize));

        var (status, body) = await PostAsync(JsonSerializer.Serialize(new { prompt }));

        Api.AssertInvalidRequest(status, body, "prompt", "context_length_exceeded");
    }
}
