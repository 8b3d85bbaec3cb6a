using System.Text.Json;
using LinearAlign.Engine.Generation;
using LinearAlign.Server.Endpoints;

namespace LinearAlign.Server.Tests.Logprobs;

/// <summary>How engine log-probabilities that JSON cannot hold are written.</summary>
public sealed class WireLogprobsTests
{
    private static readonly TokenLogprob Impossible = new(
        "a", "a"u8.ToArray(), float.NegativeInfinity, [new TopLogprob("b", "b"u8.ToArray(), float.NaN)], 0, new PrincipleLogprobs(float.NegativeInfinity, float.NaN));

    [Fact]
    public void A_chat_entry_writes_minus_infinity_and_nan_as_minus_9999()
    {
        var json = JsonSerializer.SerializeToElement(WireLogprobs.Chat([Impossible]), ServerJson.Options);

        var entry = json.GetProperty("content")[0];
        Assert.Equal(-9999f, entry.GetProperty("logprob").GetSingle());
        Assert.Equal(-9999f, entry.GetProperty("top_logprobs")[0].GetProperty("logprob").GetSingle());
        Assert.Equal(-9999f, entry.GetProperty("linear_alignment").GetProperty("logprob_with_principle").GetSingle());
        Assert.Equal(-9999f, entry.GetProperty("linear_alignment").GetProperty("logprob_without_principle").GetSingle());
    }

    [Fact]
    public void A_completion_entry_writes_minus_infinity_and_nan_as_minus_9999()
    {
        var json = JsonSerializer.SerializeToElement(WireLogprobs.Completion([Impossible]), ServerJson.Options);

        Assert.Equal(-9999f, json.GetProperty("token_logprobs")[0].GetSingle());
        Assert.Equal(-9999f, json.GetProperty("top_logprobs")[0].GetProperty("b").GetSingle());
        Assert.Equal(-9999f, json.GetProperty("linear_alignment")[0].GetProperty("logprob_with_principle").GetSingle());
        Assert.Equal(-9999f, json.GetProperty("linear_alignment")[0].GetProperty("logprob_without_principle").GetSingle());
    }

    [Fact]
    public void Tokens_that_show_the_same_text_keep_the_likelier_one_s_logprob_in_a_completion_s_top_logprobs()
    {
        TopLogprob[] sameText = [new("\uFFFD", [0xE4], -1f), new("\uFFFD", [0xE5], -2f)];

        var json = JsonSerializer.SerializeToElement(WireLogprobs.Completion([new TokenLogprob("\uFFFD", [0xE4], -1f, sameText, 0, null)]), ServerJson.Options);

        Assert.Equal(-1f, json.GetProperty("top_logprobs")[0].GetProperty("\uFFFD").GetSingle());
    }
}
