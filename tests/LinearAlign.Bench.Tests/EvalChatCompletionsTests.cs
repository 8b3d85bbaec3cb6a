using LinearAlign.Bench.Eval;
using LinearAlign.Engine.Text;

namespace LinearAlign.Bench.Tests;

public sealed class EvalChatCompletionsTests
{
    [Fact]
    public void A_compare_reply_gives_each_choice_in_index_order_with_its_name()
    {
        var result = ChatCompletions.Parse("""
            {"choices":[{"index":1,"message":{"role":"assistant","content":"prompt"}},{"index":0,"message":{"role":"assistant","content":"aligned"}},
             {"index":2,"message":{"role":"assistant","content":null}}],
             "usage":{"completion_tokens":9},"linear_alignment":{"compare":["linear_alignment","principle_in_prompt","base"]}}
            """);

        Assert.Equal(["aligned", "prompt", ""], result.Texts);
        Assert.Equal(["linear_alignment", "principle_in_prompt", "base"], result.Compare!);
        Assert.Equal(9, result.CompletionTokens);
    }

    [Fact]
    public void A_plain_reply_has_no_compare_list() =>
        Assert.Null(ChatCompletions.Parse("""{"choices":[{"index":0,"message":{"content":"hi"}}]}""").Compare);

    [Theory]
    [InlineData("""{"object":"error"}""")]
    [InlineData("""{"choices":[{"index":"first","message":{"content":"hi"}}]}""")]
    [InlineData("<html>bad gateway</html>")]
    public void Anything_else_is_a_request_failure(string body) =>
        Assert.Throws<EvalRequestException>(() => ChatCompletions.Parse(body));

    [Fact]
    public void An_aligned_body_asks_for_the_comparison_at_the_step_size()
    {
        var body = ChatCompletions.Body("m", [new ChatMessage(ChatMessage.User, "hi")], 0.5, 0.8, 16, 7, ("Be brief.", 2));

        Assert.Equal("""{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5,"top_p":0.8,"max_tokens":16,"seed":7,"principle":"Be brief.","step_size":2,"alignment_compare":true}""",
            body.ToJsonString());
    }

    [Fact]
    public void A_plain_body_without_a_model_names_none_and_carries_no_principle() =>
        Assert.Equal("""{"messages":[],"temperature":1,"top_p":1,"max_tokens":4,"seed":1}""",
            ChatCompletions.Body(null, [], 1, 1, 4, 1).ToJsonString());
}
