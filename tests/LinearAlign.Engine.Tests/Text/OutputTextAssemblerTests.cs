using System.Text;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Text;

public sealed class OutputTextAssemblerTests
{
    private static async Task<List<string>> DeltasOf(GenerationStream stream)
    {
        stream.Complete(FinishReason.Stop);
        var deltas = new List<string>();
        await foreach (var delta in stream.ReadDeltasAsync())
        {
            deltas.Add(delta.Text);
        }
        return deltas;
    }

    [Fact]
    public async Task A_character_split_across_tokens_is_emitted_only_when_complete()
    {
        var stream = new GenerationStream(0, null);
        using var assembler = new OutputTextAssembler(new StopStringMatcher([]));
        var euro = Encoding.UTF8.GetBytes("€");

        assembler.Add(euro.AsSpan(0, 1), stream);
        var afterFirstByte = (await PeekAsync(stream)).Text;
        assembler.Add(euro.AsSpan(1), stream);

        Assert.Equal(string.Empty, afterFirstByte);
        Assert.Equal("€", string.Concat(await DeltasOf(stream)));
    }

    [Fact]
    public async Task A_stop_string_split_across_tokens_is_never_emitted()
    {
        var stream = new GenerationStream(0, null);
        using var assembler = new OutputTextAssembler(new StopStringMatcher(["</end>"]));

        Assert.False(assembler.Add("Hello </"u8, stream));
        Assert.False(assembler.Add("en"u8, stream));
        Assert.True(assembler.Add("d> tail"u8, stream));

        Assert.Equal("Hello ", string.Concat(await DeltasOf(stream)));
    }

    [Fact]
    public async Task Text_held_back_for_a_stop_string_that_never_completes_is_flushed_at_the_end()
    {
        var stream = new GenerationStream(0, null);
        using var assembler = new OutputTextAssembler(new StopStringMatcher(["</end>"]));

        assembler.Add("done </e"u8, stream);
        assembler.Flush(stream);

        Assert.Equal("done </e", string.Concat(await DeltasOf(stream)));
    }

    [Fact]
    public async Task Every_token_is_counted_even_while_its_text_is_held_back()
    {
        var stream = new GenerationStream(3, null);
        using var assembler = new OutputTextAssembler(new StopStringMatcher(["xyz"]));

        assembler.Add("a"u8, stream);
        assembler.Add("x"u8, stream);
        stream.Complete(FinishReason.Length);

        Assert.Equal(new GenerationUsage(3, 2), (await stream.Completion).Usage);
    }

    private static async Task<GenerationDelta> PeekAsync(GenerationStream stream)
    {
        await using var deltas = stream.ReadDeltasAsync().GetAsyncEnumerator();
        await deltas.MoveNextAsync();
        return deltas.Current;
    }
}
