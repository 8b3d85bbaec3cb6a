using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LinearAlign.Server.Tests;

/// <summary>The OpenAI streaming wire format for chat, checked on the raw bytes.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class ChatStreamingTests(ServerFixture server)
{
    private const string Request = """{"messages":[{"role":"user","content":"Hello"}],"max_tokens":5,"temperature":0,"principle":"Be kind","logit_bias":{"2":-100,"4":-100}""";

    [Fact]
    public async Task A_chat_stream_is_role_chunk_content_chunks_finish_chunk_usage_chunk_then_done()
    {
        var (response, raw) = await Api.StreamAsync(server.Client, "/v1/chat/completions", Request + ""","stream":true,"stream_options":{"include_usage":true}}""");
        using var _ = response;
        var (_, whole) = await Api.PostAsync(server.Client, "/v1/chat/completions", Request + "}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches(EventStream(), raw);
        var events = Api.Events(raw);
        Assert.Equal("[DONE]", events[^1]);
        var first = JsonDocument.Parse(events[0]).RootElement;
        var id = first.GetProperty("id").GetString()!;
        var created = first.GetProperty("created").GetInt64();
        var fingerprint = first.GetProperty("system_fingerprint").GetString();
        var prefix = $$"""{"id":"{{id}}","object":"chat.completion.chunk","created":{{created}},"model":"tiny","system_fingerprint":"{{fingerprint}}","choices":""";
        var alignment = first.GetProperty("linear_alignment").GetRawText();

        Assert.StartsWith("chatcmpl-", id);
        Assert.Equal(prefix + """[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"linear_alignment":""" + alignment + "}", events[0]);
        var content = events[1..^3];
        Assert.NotEmpty(content);
        Assert.All(content, e => Assert.Matches("^" + Regex.Escape(prefix) + """\[\{"index":0,"delta":\{"content":"(?:[^"\\]|\\.)+"\},"logprobs":null,"finish_reason":null\}\]\}$""", e));
        Assert.Equal(prefix + """[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}""", events[^3]);
        // The second of the two identical requests finds the first one's prompt in the cache.
        var usage = CachedTokens().Replace(whole.GetProperty("usage").GetRawText(), "\"cached_tokens\":N");
        Assert.Equal(prefix + "[],\"usage\":" + usage + "}", CachedTokens().Replace(events[^2], "\"cached_tokens\":N"));
        var text = string.Concat(content.Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text);
    }

    [Fact]
    public async Task Without_include_usage_no_usage_chunk_is_sent()
    {
        var (response, raw) = await Api.StreamAsync(server.Client, "/v1/chat/completions", Request + ""","stream":true}""");
        using var _ = response;

        var events = Api.Events(raw);
        Assert.Contains("\"finish_reason\":\"length\"", events[^2]);
        Assert.DoesNotContain(events, e => e.Contains("\"usage\""));
    }

    [Fact]
    public async Task Each_of_n_streamed_choices_opens_with_its_role_and_ends_with_its_own_finish_chunk()
    {
        var (response, raw) = await Api.StreamAsync(server.Client, "/v1/chat/completions", Request + ""","n":3,"stream":true}""");
        using var _ = response;

        var chunks = Api.Events(raw)[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        Assert.Equal([0, 1, 2], chunks.Take(3).Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(chunks.Take(3), c => Assert.Equal("assistant", c.GetProperty("delta").GetProperty("role").GetString()));
        var finishes = chunks.Where(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String).Select(c => c.GetProperty("index").GetInt32());
        Assert.Equal([0, 1, 2], finishes.Order());
        foreach (var index in new[] { 0, 1, 2 })
        {
            var ofChoice = chunks.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal(JsonValueKind.String, ofChoice[^1].GetProperty("finish_reason").ValueKind);
        }
    }

    [Fact]
    public async Task A_streaming_chat_request_with_bad_input_gets_a_plain_json_error()
    {
        var (status, body) = await Api.PostAsync(server.Client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"stream":true,"temperature":9}""");

        Api.AssertInvalidRequest(status, body, "temperature");
    }

    [GeneratedRegex(@"\A(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n\z")]
    private static partial Regex EventStream();

    [GeneratedRegex("\"cached_tokens\":\\d+")]
    private static partial Regex CachedTokens();
}
