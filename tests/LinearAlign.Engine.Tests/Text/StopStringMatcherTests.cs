using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Text;

public sealed class StopStringMatcherTests
{
    private readonly StopStringMatcher _matcher = new(["</answer>", "\n\n", "STOP"]);

    [Theory]
    [InlineData("the answer</answer> and more", 10)]
    [InlineData("line\n\nnext", 4)]
    [InlineData("no stop here", -1)]
    [InlineData("STOP then </answer>", 0)]
    public void Finds_the_earliest_stop_string(string text, int expected) => Assert.Equal(expected, _matcher.IndexOfStop(text));

    [Theory]
    [InlineData("the answer</ans", 5)]
    [InlineData("line\n", 1)]
    [InlineData("ST", 2)]
    [InlineData("plain text", 0)]
    [InlineData("", 0)]
    public void Holds_back_an_end_that_could_start_a_stop_string(string text, int expected) =>
        Assert.Equal(expected, _matcher.PartialSuffixLength(text));

    [Fact]
    public void Empty_stop_strings_are_ignored() => Assert.True(new StopStringMatcher(["", ""]).IsEmpty);
}
