using System.Text.Json;
using static LinearAlign.Server.Tests.Logprobs.LogprobRequests;

namespace LinearAlign.Server.Tests.Logprobs;

/// <summary>The legacy completions' logprobs: parallel arrays tokens, token_logprobs, top_logprobs and text_offset.</summary>
[Collection(ServerCollection.Name)]
public sealed class CompletionLogprobsTests(ServerFixture server)
{
    private Task<(JsonElement Body, JsonElement Choice)> CompleteAsync(params string[] fields) =>
        FirstChoiceAsync(server.Client, Completions, CompletionBody(fields));

    private static List<string> Tokens(JsonElement logprobs) => Array(logprobs, "tokens", token => token.GetString()!);

    private static List<Dictionary<string, float>> Alternatives(JsonElement logprobs) =>
        Array(logprobs, "top_logprobs", top => top.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetSingle()));

    [Fact]
    public async Task Logprobs_k_gives_one_entry_per_token_in_tokens_token_logprobs_top_logprobs_and_text_offset()
    {
        var (body, choice) = await CompleteAsync(Greedy, "\"logprobs\":2");

        var logprobs = choice.GetProperty("logprobs");
        Assert.Equal(["tokens", "token_logprobs", "top_logprobs", "text_offset"], PropertyNames(logprobs));
        var tokens = body.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.All(PropertyNames(logprobs), name => Assert.Equal(tokens, logprobs.GetProperty(name).GetArrayLength()));
    }

    [Fact]
    public async Task Without_logprobs_a_choice_s_logprobs_is_null()
    {
        var (_, choice) = await CompleteAsync(Greedy);

        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Top_logprobs_maps_the_k_likeliest_tokens_texts_to_their_logprobs_most_likely_first(int k)
    {
        var (_, choice) = await CompleteAsync(Sampled, $"\"logprobs\":{k}");

        Assert.All(Alternatives(choice.GetProperty("logprobs")), alternatives =>
        {
            Assert.Equal(k, alternatives.Count);
            Assert.Equal(alternatives.Values.OrderDescending(), alternatives.Values);
            Assert.All(alternatives.Values, logprob => Assert.True(logprob <= 0));
        });
    }

    [Fact]
    public async Task Logprobs_0_gives_an_empty_object_per_token()
    {
        var (_, choice) = await CompleteAsync(Greedy, "\"logprobs\":0");

        var alternatives = Alternatives(choice.GetProperty("logprobs"));
        Assert.NotEmpty(alternatives);
        Assert.All(alternatives, Assert.Empty);
    }

    [Fact]
    public async Task The_tokens_put_together_are_the_text_and_text_offset_is_where_each_starts()
    {
        var (_, choice) = await CompleteAsync(Sampled, "\"logprobs\":1");

        var logprobs = choice.GetProperty("logprobs");
        var tokens = Tokens(logprobs);
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        Assert.Equal(tokens.Select((_, i) => tokens.Take(i).Sum(token => token.Length)), Array(logprobs, "text_offset", offset => offset.GetInt32()));
    }

    [Fact]
    public async Task A_greedy_token_s_logprob_is_its_position_s_highest()
    {
        var (_, choice) = await CompleteAsync(Greedy, "\"logprobs\":3");

        var logprobs = choice.GetProperty("logprobs");
        var chosen = Tokens(logprobs).Zip(Array(logprobs, "token_logprobs", value => value.GetSingle()));
        Assert.All(chosen.Zip(Alternatives(logprobs)), pair =>
        {
            var ((token, logprob), alternatives) = pair;
            Assert.Equal(alternatives.First(), new KeyValuePair<string, float>(token, logprob));
        });
    }

    [Fact]
    public async Task An_aligned_completion_adds_each_token_s_logprob_with_and_without_the_principle()
    {
        var (body, choice) = await CompleteAsync(Greedy, Aligned, "\"logprobs\":1");

        var alignment = choice.GetProperty("logprobs").GetProperty("linear_alignment");
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), alignment.GetArrayLength());
        Assert.All(alignment.EnumerateArray(), token =>
        {
            Assert.True(token.GetProperty("logprob_with_principle").GetSingle() <= 0, token.GetRawText());
            Assert.True(token.GetProperty("logprob_without_principle").GetSingle() <= 0, token.GetRawText());
        });
    }

    [Fact]
    public async Task A_plain_completion_has_no_linear_alignment_logprobs()
    {
        var (_, choice) = await CompleteAsync(Greedy, "\"logprobs\":1");

        Assert.False(choice.GetProperty("logprobs").TryGetProperty("linear_alignment", out _));
    }

    [Fact]
    public async Task A_stream_s_logprobs_put_together_are_the_whole_response_s()
    {
        var (_, whole) = await CompleteAsync(Sampled, Aligned, "\"logprobs\":2");

        var chunks = await ChunksAsync(server.Client, Completions, CompletionBody(Sampled, Aligned, "\"logprobs\":2", "\"stream\":true"));

        var streamed = chunks.Select(chunk => chunk.GetProperty("choices")[0].GetProperty("logprobs"))
            .Where(logprobs => logprobs.ValueKind != JsonValueKind.Null)
            .ToList();
        Assert.All(PropertyNames(whole.GetProperty("logprobs")), name => Assert.Equal(
            whole.GetProperty("logprobs").GetProperty(name).EnumerateArray().Select(value => value.GetRawText()),
            streamed.SelectMany(logprobs => logprobs.GetProperty(name).EnumerateArray()).Select(value => value.GetRawText())));
    }
}
