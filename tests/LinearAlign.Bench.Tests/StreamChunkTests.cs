using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class StreamChunkTests
{
    [Fact]
    public void A_chat_chunk_gives_its_delta_content()
    {
        var chunk = StreamChunk.Parse("""{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}""", ApiEndpoint.Chat);

        Assert.Equal(new StreamChunk("Hello", null, null), chunk);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}""")]
    public void Role_and_finish_chunks_carry_no_text(string data) =>
        Assert.Equal("", StreamChunk.Parse(data, ApiEndpoint.Chat).Text);

    [Fact]
    public void A_completion_chunk_gives_its_text()
    {
        var chunk = StreamChunk.Parse("""{"object":"text_completion","choices":[{"index":0,"text":" world","finish_reason":null}]}""", ApiEndpoint.Completions);

        Assert.Equal(" world", chunk.Text);
    }

    [Fact]
    public void The_usage_chunk_gives_tokens_and_cached_tokens_where_reported()
    {
        var llamaServer = StreamChunk.Parse("""{"choices":[],"usage":{"completion_tokens":16,"prompt_tokens":70,"total_tokens":86,"prompt_tokens_details":{"cached_tokens":64}}}""", ApiEndpoint.Chat);
        var ours = StreamChunk.Parse("""{"choices":[],"usage":{"prompt_tokens":70,"completion_tokens":16,"total_tokens":86}}""", ApiEndpoint.Chat);

        Assert.Equal(new TokenUsage(70, 16, 64), llamaServer.Usage);
        Assert.Equal(new TokenUsage(70, 16, null), ours.Usage);
        Assert.Equal("", ours.Text);
    }

    [Fact]
    public void An_error_event_gives_its_message()
    {
        var chunk = StreamChunk.Parse("""{"error":{"message":"Context size exceeded","type":"server_error","code":500}}""", ApiEndpoint.Chat);

        Assert.Equal("Context size exceeded", chunk.Error);
    }

    [Fact]
    public void An_error_without_a_message_is_shown_as_its_json()
    {
        var chunk = StreamChunk.Parse("""{"error":{"code":500}}""", ApiEndpoint.Completions);

        Assert.Equal("""{"code":500}""", chunk.Error);
    }
}
