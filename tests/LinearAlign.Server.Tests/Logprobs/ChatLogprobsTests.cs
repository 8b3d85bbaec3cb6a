using System.Text.Json;
using static LinearAlign.Server.Tests.Logprobs.LogprobRequests;

namespace LinearAlign.Server.Tests.Logprobs;

/// <summary>Chat's logprobs and top_logprobs: OpenAI's choices[i].logprobs.content, whole and streamed.</summary>
[Collection(ServerCollection.Name)]
public sealed class ChatLogprobsTests(ServerFixture server)
{
    private Task<(JsonElement Body, JsonElement Choice)> ChatAsync(params string[] fields) => FirstChoiceAsync(server.Client, Chat, ChatBody(fields));

    [Fact]
    public async Task Logprobs_true_gives_each_token_its_token_logprob_bytes_and_top_logprobs_in_openai_s_shape()
    {
        var (body, choice) = await ChatAsync(Greedy, "\"logprobs\":true", "\"top_logprobs\":2");

        var logprobs = choice.GetProperty("logprobs");
        Assert.Equal(["content", "refusal"], PropertyNames(logprobs));
        Assert.Equal(JsonValueKind.Null, logprobs.GetProperty("refusal").ValueKind);
        var entries = Entries(choice);
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), entries.Count);
        Assert.All(entries, entry =>
        {
            Assert.Equal(["token", "logprob", "bytes", "top_logprobs"], PropertyNames(entry));
            Assert.All(entry.GetProperty("top_logprobs").EnumerateArray(), top => Assert.Equal(["token", "logprob", "bytes"], PropertyNames(top)));
        });
    }

    [Fact]
    public async Task Logprobs_true_without_top_logprobs_lists_no_alternatives()
    {
        var (_, choice) = await ChatAsync(Greedy, "\"logprobs\":true");

        var entries = Entries(choice);
        Assert.NotEmpty(entries);
        Assert.All(entries, entry => Assert.Empty(entry.GetProperty("top_logprobs").EnumerateArray()));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("null")]
    public async Task Logprobs_false_or_null_leaves_the_choice_s_logprobs_null(string logprobs)
    {
        var (_, choice) = await ChatAsync(Greedy, $"\"logprobs\":{logprobs}");

        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    public async Task Top_logprobs_lists_that_many_alternatives_most_likely_first(int count)
    {
        var (_, choice) = await ChatAsync(Sampled, "\"logprobs\":true", $"\"top_logprobs\":{count}");

        Assert.All(Entries(choice), entry =>
        {
            var alternatives = Array(entry, "top_logprobs", top => top.GetProperty("logprob").GetSingle());
            Assert.Equal(count, alternatives.Count);
            Assert.Equal(alternatives.OrderDescending(), alternatives);
        });
    }

    [Theory]
    [InlineData(Greedy)]
    [InlineData(Sampled)]
    [InlineData(Sampled + "," + Aligned)]
    public async Task Every_logprob_is_at_most_zero(string sampling)
    {
        var (_, choice) = await ChatAsync(sampling, "\"logprobs\":true", "\"top_logprobs\":5");

        var entries = Entries(choice);
        Assert.NotEmpty(entries);
        Assert.All(entries, entry =>
        {
            Assert.True(entry.GetProperty("logprob").GetSingle() <= 0, entry.GetRawText());
            Assert.All(entry.GetProperty("top_logprobs").EnumerateArray(), top => Assert.True(top.GetProperty("logprob").GetSingle() <= 0, top.GetRawText()));
        });
    }

    [Theory]
    [InlineData(Greedy)]
    [InlineData(Greedy + "," + Aligned)]
    public async Task A_greedy_token_is_the_first_of_its_alternatives_with_the_same_logprob(string sampling)
    {
        var (_, choice) = await ChatAsync(sampling, "\"logprobs\":true", "\"top_logprobs\":3");

        Assert.All(Entries(choice), entry =>
        {
            var first = entry.GetProperty("top_logprobs")[0];
            Assert.Equal(first.GetProperty("token").GetString(), entry.GetProperty("token").GetString());
            Assert.Equal(first.GetProperty("logprob").GetSingle(), entry.GetProperty("logprob").GetSingle());
        });
    }

    [Fact]
    public async Task A_sampled_token_listed_among_the_alternatives_has_the_same_logprob_there()
    {
        var (_, choice) = await ChatAsync(Sampled, "\"logprobs\":true", "\"top_logprobs\":20");

        var listed = Entries(choice)
            .Select(entry => (Entry: entry, Top: entry.GetProperty("top_logprobs").EnumerateArray()
                .Where(top => top.GetProperty("bytes").GetRawText() == entry.GetProperty("bytes").GetRawText()).ToList()))
            .Where(pair => pair.Top.Count > 0)
            .ToList();
        Assert.NotEmpty(listed);
        Assert.All(listed, pair => Assert.Equal(pair.Entry.GetProperty("logprob").GetSingle(), Assert.Single(pair.Top).GetProperty("logprob").GetSingle()));
    }

    [Fact]
    public async Task The_tokens_put_together_are_the_message_content()
    {
        var (_, choice) = await ChatAsync(Sampled, "\"logprobs\":true");

        Assert.Equal(Content(choice), string.Concat(Entries(choice).Select(entry => entry.GetProperty("token").GetString())));
    }

    [Fact]
    public async Task The_tokens_bytes_put_together_are_the_message_content_in_utf8()
    {
        var (_, choice) = await ChatAsync(Sampled, "\"logprobs\":true");

        Assert.Equal(Content(choice), WholeUtf8([.. Entries(choice).SelectMany(Bytes)]));
    }

    [Fact]
    public async Task Each_token_and_alternative_is_its_bytes_decoded()
    {
        var (_, choice) = await ChatAsync(Sampled, "\"logprobs\":true", "\"top_logprobs\":5");

        var tokens = Entries(choice).SelectMany(entry => entry.GetProperty("top_logprobs").EnumerateArray().Prepend(entry)).ToList();
        var whole = tokens.Where(token => WholeUtf8(Bytes(token)) is not null).ToList();
        Assert.NotEmpty(whole);
        Assert.All(whole, token => Assert.Equal(WholeUtf8(Bytes(token)), token.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task An_aligned_request_gives_each_token_its_logprob_with_and_without_the_principle()
    {
        var (_, choice) = await ChatAsync(Greedy, Aligned, "\"logprobs\":true");

        var entries = Entries(choice);
        Assert.NotEmpty(entries);
        Assert.All(entries, entry =>
        {
            var alignment = entry.GetProperty("linear_alignment");
            Assert.Equal(["logprob_with_principle", "logprob_without_principle"], PropertyNames(alignment));
            Assert.True(alignment.GetProperty("logprob_with_principle").GetSingle() <= 0, alignment.GetRawText());
            Assert.True(alignment.GetProperty("logprob_without_principle").GetSingle() <= 0, alignment.GetRawText());
        });
    }

    [Fact]
    public async Task A_plain_request_s_entries_have_no_linear_alignment()
    {
        var (_, choice) = await ChatAsync(Greedy, "\"logprobs\":true");

        Assert.All(Entries(choice), entry => Assert.False(entry.TryGetProperty("linear_alignment", out _)));
    }

    [Fact]
    public async Task In_a_comparison_each_choice_has_its_own_logprobs_and_only_the_aligned_one_the_extension()
    {
        var (body, _) = await ChatAsync(Sampled, Aligned, "\"alignment_compare\":true", "\"logprobs\":true");

        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal(3, choices.Count);
        Assert.All(choices, c => Assert.Equal(Content(c), string.Concat(Entries(c).Select(entry => entry.GetProperty("token").GetString()))));
        Assert.Equal(
            [true, false, false],
            choices.Select(c => Entries(c).All(entry => entry.TryGetProperty("linear_alignment", out _))));
    }

    [Fact]
    public async Task A_stream_carries_in_each_content_chunk_the_entries_of_its_delta()
    {
        var chunks = await ChunksAsync(server.Client, Chat, ChatBody(Sampled, Aligned, "\"logprobs\":true", "\"top_logprobs\":2", "\"stream\":true"));

        var content = chunks.Select(chunk => chunk.GetProperty("choices")).Where(choices => choices.GetArrayLength() == 1)
            .Select(choices => choices[0]).Where(choice => choice.GetProperty("delta").TryGetProperty("content", out var text) && text.GetString() != "")
            .ToList();
        Assert.NotEmpty(content);
        Assert.All(content, choice => Assert.Equal(
            choice.GetProperty("delta").GetProperty("content").GetString(),
            string.Concat(Entries(choice).Select(entry => entry.GetProperty("token").GetString()))));
    }

    [Fact]
    public async Task A_stream_s_entries_put_together_are_the_whole_response_s()
    {
        var (_, whole) = await ChatAsync(Sampled, Aligned, "\"logprobs\":true", "\"top_logprobs\":2");

        var chunks = await ChunksAsync(server.Client, Chat, ChatBody(Sampled, Aligned, "\"logprobs\":true", "\"top_logprobs\":2", "\"stream\":true"));

        var streamed = chunks.SelectMany(chunk => chunk.GetProperty("choices").EnumerateArray())
            .Where(choice => choice.GetProperty("logprobs").ValueKind != JsonValueKind.Null)
            .SelectMany(Entries);
        Assert.Equal(Entries(whole).Select(entry => entry.GetRawText()), streamed.Select(entry => entry.GetRawText()));
    }

    [Fact]
    public async Task A_stream_s_role_and_finish_chunks_carry_null_logprobs()
    {
        var chunks = await ChunksAsync(server.Client, Chat, ChatBody(Greedy, "\"logprobs\":true", "\"stream\":true"));

        Assert.Equal(JsonValueKind.Null, chunks[0].GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
        Assert.Equal(JsonValueKind.Null, chunks[^1].GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
    }
}
