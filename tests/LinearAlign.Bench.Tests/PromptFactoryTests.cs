using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class PromptFactoryTests
{
    private static readonly PromptFactory Factory = new(new TokenCalibration(1.5, "tokenize"), seed: 3);

    private static string[] Words(string text) => text.Split(' ');

    [Theory]
    [InlineData(300, 200)]
    [InlineData(32, 21)]
    [InlineData(1, 1)]
    public void A_prompt_has_as_many_words_as_the_calibration_says_make_its_tokens(int tokens, int words)
    {
        Assert.Equal(words, Words(Factory.Prompt(tokens, PromptMode.Random, 0)).Length);
        Assert.Equal(words, Words(Factory.Prompt(tokens, PromptMode.Fixed, 0)).Length);
    }

    [Fact]
    public void Random_prompts_differ_in_their_first_words_and_go_on_alike()
    {
        var first = Words(Factory.Prompt(300, PromptMode.Random, 0));
        var second = Words(Factory.Prompt(300, PromptMode.Random, 1));

        Assert.NotEqual(first.Take(PromptFactory.RandomPrefixWords), second.Take(PromptFactory.RandomPrefixWords));
        Assert.Equal(first.Skip(PromptFactory.RandomPrefixWords), second.Skip(PromptFactory.RandomPrefixWords));
    }

    [Fact]
    public void Fixed_prompts_are_all_the_same()
    {
        Assert.Equal(Factory.Prompt(100, PromptMode.Fixed, 0), Factory.Prompt(100, PromptMode.Fixed, 5));
    }

    [Fact]
    public void The_same_seed_gives_the_same_prompts_and_another_seed_others()
    {
        var again = new PromptFactory(new TokenCalibration(1.5, "tokenize"), seed: 3);
        var other = new PromptFactory(new TokenCalibration(1.5, "tokenize"), seed: 4);

        Assert.Equal(Factory.Prompt(100, PromptMode.Random, 7), again.Prompt(100, PromptMode.Random, 7));
        Assert.Equal(Factory.FollowUp(2, 1), again.FollowUp(2, 1));
        Assert.NotEqual(Factory.Prompt(100, PromptMode.Random, 7), other.Prompt(100, PromptMode.Random, 7));
    }

    [Fact]
    public void Follow_ups_are_short_and_differ_per_turn()
    {
        Assert.Equal(13, Words(Factory.FollowUp(0, 1)).Length);
        Assert.NotEqual(Factory.FollowUp(0, 1), Factory.FollowUp(0, 2));
        Assert.NotEqual(Factory.FollowUp(0, 1), Factory.FollowUp(1, 1));
    }

    [Fact]
    public void Sampling_seeds_are_the_same_for_the_same_seed_and_differ_per_request_and_turn()
    {
        var again = new PromptFactory(new TokenCalibration(1.5, "tokenize"), seed: 3);

        Assert.Equal(Factory.SamplingSeed(2, 1), again.SamplingSeed(2, 1));
        Assert.Equal(3, new[] { Factory.SamplingSeed(2, 1), Factory.SamplingSeed(3, 1), Factory.SamplingSeed(2, 2) }.Distinct().Count());
        Assert.All(Enumerable.Range(0, 100), index => Assert.True(Factory.SamplingSeed(index, 1) >= 0));
    }
}
