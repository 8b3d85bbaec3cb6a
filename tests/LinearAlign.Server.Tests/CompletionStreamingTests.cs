using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LinearAlign.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace LinearAlign.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class CompletionStreamingTests(ServerFixture server)
{
    private static HttpRequestMessage Post(string json) => Api.Post("/v1/completions", json);

    [Fact]
    public async Task A_streamed_completion_sends_the_same_text_as_events_then_done()
    {
        const string body = """{"prompt":"What is the answer","max_tokens":8,"temperature":0,"principle":"Be kind","step_size":2,"logit_bias":{"2":-100,"4":-100}""";
        var whole = await (await server.Client.SendAsync(Post(body + "}"))).Content.ReadFromJsonAsync<JsonElement>();

        var (response, raw) = await Api.StreamAsync(server.Client, "/v1/completions", body + ""","stream":true}""");
        using var _ = response;
        var events = Api.Events(raw);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        var text = string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("text").GetString(), text);
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task A_streaming_request_with_bad_input_gets_a_plain_json_error()
    {
        using var response = await server.Client.SendAsync(Post("""{"prompt":"hi","stream":true,"top_p":7}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("top_p", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_frees_its_sequences()
    {
        var engine = server.Services.GetRequiredService<ModelHost>().Engine!;
        var response = await server.Client.SendAsync(
            Post("""{"prompt":"What is it","max_tokens":1500,"temperature":0,"principle":"Be kind","stream":true,"logit_bias":{"2":-100,"4":-100}}"""),
            HttpCompletionOption.ResponseHeadersRead);
        await Api.FirstEventAsync(await response.Content.ReadAsStreamAsync());

        Assert.NotEmpty((await engine.SequenceCensusAsync()).Running);
        response.Dispose();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await engine.SequenceCensusAsync()).Running.Length > 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
