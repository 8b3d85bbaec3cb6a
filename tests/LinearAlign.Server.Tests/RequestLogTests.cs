using Microsoft.Extensions.Logging;

namespace LinearAlign.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class RequestLogTests(ServerFixture server)
{
    private IEnumerable<CapturedLog> LinesOf(string requestId) =>
        server.Logs.Entries.Where(e => e.Properties.TryGetValue("RequestId", out var id) && (string?)id == requestId);

    [Fact]
    public async Task Each_request_is_one_structured_line_with_tokens_and_alignment_but_no_prompt_or_principle()
    {
        using var response = await server.Client.SendAsync(Api.Post(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"secret-prompt-text"}],"principle":"secret-principle-text","max_tokens":3,"logit_bias":{"2":-100,"4":-100}}"""));
        var requestId = response.Headers.GetValues("X-Request-Id").Single();

        var line = Assert.Single(LinesOf(requestId));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal("POST", line.Properties["Method"]);
        Assert.Equal("/v1/chat/completions", line.Properties["Path"]);
        Assert.Equal(200, line.Properties["StatusCode"]);
        Assert.Equal(3, line.Properties["CompletionTokens"]);
        Assert.True((int)line.Properties["PromptTokens"]! > 0);
        Assert.Equal(true, line.Properties["Aligned"]);
        Assert.True((double)line.Properties["ElapsedMs"]! > 0);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Category.EndsWith("RequestLoggingMiddleware") && e.Message.Contains("null"));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Information && (e.Message.Contains("secret-prompt-text") || e.Message.Contains("secret-principle-text")));
    }

    [Fact]
    public async Task A_streamed_request_is_one_line_with_the_usage_of_the_whole_stream()
    {
        var (response, _) = await Api.StreamAsync(server.Client, "/v1/completions", $$"""{"prompt":"Hi","max_tokens":4,"stream":true,{{Api.NoEndOfGeneration}}}""");
        using (response)
        {
            var line = Assert.Single(LinesOf(response.Headers.GetValues("X-Request-Id").Single()));

            Assert.Equal(4, line.Properties["CompletionTokens"]);
            Assert.Equal(false, line.Properties["Aligned"]);
        }
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task Probes_and_scrapes_get_a_request_id_but_no_line_at_the_information_level(string path)
    {
        using var response = await server.Client.GetAsync(path);

        Assert.Empty(LinesOf(response.Headers.GetValues("X-Request-Id").Single()));
    }
}
