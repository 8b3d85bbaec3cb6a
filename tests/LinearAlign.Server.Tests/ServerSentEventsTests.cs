using System.Text;
using System.Text.Json;
using LinearAlign.Server.Endpoints;
using Microsoft.AspNetCore.Http;

namespace LinearAlign.Server.Tests;

public sealed class ServerSentEventsTests
{
    [Fact]
    public async Task An_event_escapes_its_text_as_a_whole_response_does()
    {
        var http = new DefaultHttpContext();
        using var body = new MemoryStream();
        http.Response.Body = body;
        var payload = new { Content = "café <b>\"naïve\"</b> — 日本" };

        await ServerSentEvents.WriteAsync(http.Response, payload, CancellationToken.None);

        Assert.Equal("data: " + JsonSerializer.Serialize(payload, ServerJson.Options) + "\n\n", Encoding.UTF8.GetString(body.ToArray()));
    }
}
