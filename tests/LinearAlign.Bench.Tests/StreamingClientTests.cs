using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class StreamingClientTests
{
    /// <summary>A reply that ended before its first token: only the finish and the usage, then [DONE].</summary>
    private const string EndedAtOnce =
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":0,\"total_tokens\":9}}\n\n" +
        "data: [DONE]\n\n";

    private static async Task<RequestTiming> SendAsync(RequestShape shape)
    {
        using var http = new HttpClient(new Answering(EndedAtOnce)) { BaseAddress = new Uri("http://server/") };
        var client = new StreamingClient(http, TimeSpan.FromSeconds(10), Stopwatch.GetTimestamp());
        var reply = await client.SendAsync(shape, new JsonObject(), new RequestTiming(), _ => { }, CancellationToken.None);
        return reply.Timing;
    }

    [Fact]
    public async Task A_sampled_reply_may_end_before_its_first_token()
    {
        var timing = await SendAsync(new RequestShape { MaxTokens = null, Decoding = Decoding.Sampled });

        Assert.True(timing.Succeeded);
        Assert.Equal(0, timing.CompletionTokens);
        Assert.Null(timing.TtftMs);
    }

    [Fact]
    public async Task A_fixed_length_reply_without_text_is_an_error()
    {
        var timing = await SendAsync(new RequestShape());

        Assert.Equal("no text generated", timing.Error);
    }

    private sealed class Answering(string events) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(events, Encoding.UTF8, "text/event-stream") });
    }
}
