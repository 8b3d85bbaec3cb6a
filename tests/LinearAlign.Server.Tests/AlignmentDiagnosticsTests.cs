using System.Net;
using System.Text.Json;

namespace LinearAlign.Server.Tests;

/// <summary>
/// alignment_diagnostics: each token of the steered choice says whether steering changed it, and
/// linear_alignment.diagnostics sums the reply up.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AlignmentDiagnosticsTests(ServerFixture server)
{
    private const string Traced = """{"messages":[{"role":"user","content":"Hello"}],"max_tokens":10,"temperature":0.8,"seed":4,"principle":"Be kind","step_size":6,"alignment_diagnostics":true,""" + Api.NoEndOfGeneration;

    [Fact]
    public async Task A_response_lists_each_token_of_the_choice_and_sums_them_up_for_it()
    {
        var (status, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", Traced + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        var tokens = body.GetProperty("choices")[0].GetProperty("linear_alignment").GetProperty("tokens").EnumerateArray().ToList();
        var diagnostics = Assert.Single(body.GetProperty("linear_alignment").GetProperty("diagnostics").EnumerateArray());
        Assert.Equal(0, diagnostics.GetProperty("index").GetInt32());
        Assert.Equal(10, tokens.Count);
        Assert.Equal(10, diagnostics.GetProperty("steps").GetInt32());
        Assert.Equal(tokens.Count(token => token.GetProperty("steered").GetBoolean()), diagnostics.GetProperty("steered_tokens").GetInt32());
        Assert.All(tokens, token => Assert.Equal(
            token.GetProperty("steered").GetBoolean(),
            token.GetProperty("id").GetInt32() != token.GetProperty("principle_choice").GetProperty("id").GetInt32()));
        Assert.Equal(
            body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            string.Concat(tokens.Select(token => token.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task A_stream_carries_each_delta_s_tokens_and_the_diagnostics_in_the_chunk_ending_the_choice()
    {
        var (response, raw) = await Api.StreamAsync(server.Client, "/v1/chat/completions", Traced + ""","stream":true}""");
        using var streamed = response;
        var (_, whole) = await Api.PostAsync(server.Client, "/v1/chat/completions", Traced + "}");

        var chunks = Api.Events(raw)[..^1].Select(chunk => JsonDocument.Parse(chunk).RootElement).ToList();
        var streamedTokens = chunks
            .SelectMany(chunk => chunk.GetProperty("choices").EnumerateArray())
            .Where(choice => choice.TryGetProperty("linear_alignment", out _))
            .SelectMany(choice => choice.GetProperty("linear_alignment").GetProperty("tokens").EnumerateArray())
            .Select(token => token.ToString());
        Assert.Equal(
            whole.GetProperty("choices")[0].GetProperty("linear_alignment").GetProperty("tokens").EnumerateArray().Select(token => token.ToString()),
            streamedTokens);
        var ending = Assert.Single(chunks, chunk => chunk.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices
            && choices.GetArrayLength() == 1 && choices[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        Assert.Equal(
            whole.GetProperty("linear_alignment").GetProperty("diagnostics").ToString(),
            ending.GetProperty("linear_alignment").GetProperty("diagnostics").ToString());
    }

    [Fact]
    public async Task Only_the_linear_alignment_choice_of_a_comparison_is_traced()
    {
        var (_, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", Traced + ""","alignment_compare":true}""");

        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.True(choices[0].TryGetProperty("linear_alignment", out _));
        Assert.False(choices[1].TryGetProperty("linear_alignment", out _));
        Assert.False(choices[2].TryGetProperty("linear_alignment", out _));
        Assert.Equal([0], body.GetProperty("linear_alignment").GetProperty("diagnostics").EnumerateArray().Select(entry => entry.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task Completions_are_traced_as_chat_completions_are()
    {
        var (status, body) = await Api.PostAsync(
            server.Client,
            "/v1/completions",
            """{"prompt":"Hello","max_tokens":5,"temperature":0,"principle":"Be kind","step_size":6,"alignment_diagnostics":true,""" + Api.NoEndOfGeneration + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, body.GetProperty("choices")[0].GetProperty("linear_alignment").GetProperty("tokens").GetArrayLength());
        Assert.Equal(5, body.GetProperty("linear_alignment").GetProperty("diagnostics")[0].GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task Without_diagnostics_a_response_has_no_trace()
    {
        var (_, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", Traced.Replace("\"alignment_diagnostics\":true,", "") + "}");

        Assert.False(body.GetProperty("choices")[0].TryGetProperty("linear_alignment", out _));
        Assert.False(body.GetProperty("linear_alignment").TryGetProperty("diagnostics", out _));
    }
}
