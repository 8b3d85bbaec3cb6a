using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class SseReaderTests
{
    private const string LlamaServerStream =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé\"}}]}\n\n" +
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n" +
        "data: [DONE]\n\n";

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Events_come_out_whole_however_the_bytes_are_split(int bytesPerRead)
    {
        var events = await ReadAllAsync(new TrickleStream(LlamaServerStream, bytesPerRead));

        Assert.Equal(4, events.Count);
        Assert.Contains("\"Hé\"", events[1].Data);
        Assert.Equal(StreamChunk.Done, events[3].Data);
        Assert.All(events, e => Assert.Null(e.Name));
    }

    [Fact]
    public async Task Comments_are_skipped_names_kept_data_lines_joined_and_crlf_accepted()
    {
        var events = await ReadAllAsync(new TrickleStream(": ping\r\n\r\nevent: error\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n", 2));

        var only = Assert.Single(events);
        Assert.Equal("error", only.Name);
        Assert.Equal("{\"a\":\n1}", only.Data);
    }

    [Fact]
    public async Task A_last_event_without_its_blank_line_is_still_read()
    {
        var events = await ReadAllAsync(new TrickleStream("data: one\n\ndata: [DONE]", 5));

        Assert.Equal(["one", "[DONE]"], events.Select(e => e.Data));
    }

    private static async Task<List<SseEvent>> ReadAllAsync(Stream stream)
    {
        var events = new List<SseEvent>();
        await foreach (var e in SseReader.ReadAsync(stream))
        {
            events.Add(e);
        }
        return events;
    }
}
