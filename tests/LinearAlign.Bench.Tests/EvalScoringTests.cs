using LinearAlign.Bench.Eval;
using LinearAlign.Engine.Text;
using LinearAlign.Forge.Train;

namespace LinearAlign.Bench.Tests;

public sealed class EvalScoringTests
{
    internal static readonly PrinciplesSidecar Sidecar = new(7,
        [
            new SidecarPrinciple("pirate", ["Talk like a pirate.", "Answer as a pirate would."], ["arr", "matey"], 0.9),
            new SidecarPrinciple("formal", ["Answer formally."], ["indeed", "kindly"], 0.8),
        ],
        [
            new HeldOutPrompt("pirate", "moon", "What orbits the earth?", ["moon"]),
            new HeldOutPrompt("formal", "sun", "What lights the day?", ["sun", "sunlight"]),
            new HeldOutPrompt("pirate", "sea", "What covers most of the planet?", ["ocean", "sea"]),
        ],
        0.05);

    internal static readonly PreferenceItem Item = new("q1", "Diet", "What should I eat for breakfast?",
        new Dictionary<string, string> { ["A"] = "a marathon runner", ["B"] = "a busy parent", ["C"] = "a vegan cook", ["D"] = "a night-shift nurse" },
        new Dictionary<string, string> { ["A"] = "Oats and bananas.", ["B"] = "Overnight oats.", ["C"] = "Tofu scramble.", ["D"] = "A light soup." },
        "C");

    [Theory]
    [InlineData("Arr, the moon it be.", true)]
    [InlineData("ARR!", true)]
    [InlineData("Ahoy matey", true)]
    [InlineData("We arrive at noon.", false)]
    [InlineData("Mateys everywhere.", false)]
    [InlineData("", false)]
    public void A_marker_counts_only_as_a_whole_word_in_any_case(string reply, bool expected) =>
        Assert.Equal(expected, EvalCase.ContainsAnyWord(reply, ["arr", "matey"]));

    [Fact]
    public void Words_with_an_apostrophe_or_several_words_match_as_written()
    {
        Assert.True(EvalCase.ContainsAnyWord("Well, ain't that grand.", ["ain't"]));
        Assert.True(EvalCase.ContainsAnyWord("Shiver me timbers!", ["me timbers"]));
    }

    [Fact]
    public void A_held_out_prompt_is_sent_alone_and_steered_by_its_principles_first_wording()
    {
        var @case = EvalCase.OfHeldOut(Sidecar, Sidecar.HeldOut[0]);

        Assert.Equal("pirate/moon", @case.Id);
        Assert.Equal("pirate", @case.Group);
        Assert.Equal("Talk like a pirate.", @case.Principle);
        Assert.Equal([new ChatMessage(ChatMessage.User, "What orbits the earth?")], @case.Messages);
    }

    [Theory]
    [InlineData("Arr, the moon.", true, true)]
    [InlineData("Arr, the stars.", true, false)]
    [InlineData("The Moon.", false, true)]
    [InlineData("Indeed, the moon.", false, true)]
    public void A_held_out_reply_scores_adherence_by_marker_and_correctness_by_answer_word(string reply, bool adherence, bool correctness)
    {
        var scores = EvalCase.OfHeldOut(Sidecar, Sidecar.HeldOut[0]).Score(reply);

        Assert.Equal(adherence, scores[EvalMetric.Adherence]);
        Assert.Equal(correctness, scores[EvalMetric.Correctness]);
    }

    [Fact]
    public void A_preference_item_is_the_papers_system_message_and_question_with_the_truths_description_as_principle()
    {
        var @case = EvalCase.OfPreference(Item);

        Assert.Equal("Diet", @case.Group);
        Assert.Equal(PreferencePrompt.Principle("a vegan cook"), @case.Principle);
        Assert.Equal([ChatMessage.System, ChatMessage.User], @case.Messages.Select(m => m.Role));
        Assert.Equal(PreferencePrompt.SystemMessage, @case.Messages[0].Content);
        Assert.Equal(PreferencePrompt.UserMessage(Item), @case.Messages[1].Content);
    }

    [Theory]
    [InlineData("C", true)]
    [InlineData(" (C) Tofu", true)]
    [InlineData("A", false)]
    [InlineData("The answer is C", false)]
    public void A_preference_reply_is_accurate_when_its_first_letter_is_the_truth(string reply, bool accurate) =>
        Assert.Equal(accurate, EvalCase.OfPreference(Item).Score(reply)[EvalMetric.Accuracy]);

    [Fact]
    public void Every_held_out_prompt_of_a_sidecar_becomes_a_case()
    {
        var cases = EvalCase.From(new EvalSettings { Sidecar = Sidecar });

        Assert.Equal(["pirate/moon", "formal/sun", "pirate/sea"], cases.Select(c => c.Id));
        Assert.All(cases, c => Assert.Equal([EvalMetric.Adherence, EvalMetric.Correctness], c.Metrics));
    }
}
