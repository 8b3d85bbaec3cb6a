using LinearAlign.Bench.Eval;

namespace LinearAlign.Bench.Tests;

public sealed class EvalJudgeTests
{
    [Theory]
    [InlineData("Assistant A keeps the style. [[A]]", JudgeVerdict.A)]
    [InlineData("[[B]]", JudgeVerdict.B)]
    [InlineData("Both are alike. [[C]]", JudgeVerdict.Tie)]
    [InlineData("Unlike [[A]] suggests, B is better: [[B]]", JudgeVerdict.B)]
    public void The_verdict_is_the_last_one_in_the_reply(string reply, JudgeVerdict verdict) =>
        Assert.Equal(verdict, JudgePrompt.Verdict(reply));

    [Theory]
    [InlineData("A is better.")]
    [InlineData("[[D]]")]
    [InlineData("")]
    public void A_reply_without_a_verdict_has_none(string reply) =>
        Assert.Null(JudgePrompt.Verdict(reply));

    [Fact]
    public void The_prompt_shows_the_principle_the_question_and_both_answers_in_order()
    {
        var prompt = JudgePrompt.Render("Talk like a pirate.", "What orbits the earth?", "Arr, the moon.", "The moon.");

        var positions = new[] { "--Principle--\nTalk like a pirate.", "--User Question--\nWhat orbits the earth?",
            "Assistant A's Answer--\nArr, the moon.", "Assistant B's Answer--\nThe moon." }.Select(part => prompt.IndexOf(part, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void Rates_are_shares_of_the_replies_with_a_verdict()
    {
        var comparison = new JudgeComparison(EvalCondition.Aligned, 1, EvalCondition.Base, Wins: 6, Ties: 2, Losses: 2, Invalid: 3, Failed: 1);

        Assert.Equal(10, comparison.Judged);
        Assert.Equal((0.6, 0.2, 0.2), (comparison.WinRate!.Value, comparison.TieRate!.Value, comparison.LossRate!.Value));
    }
}
