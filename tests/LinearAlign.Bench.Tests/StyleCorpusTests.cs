using System.Text.RegularExpressions;
using LinearAlign.Bench.Train;
using LinearAlign.Forge.Train;

namespace LinearAlign.Bench.Tests;

/// <summary>What <c>bench train</c> derives from a seed without training: the corpus, its held-out pairs and the files beside the model.</summary>
public sealed class StyleCorpusTests
{
    private static readonly DialogueCorpus Corpus = new(TrainedStylesModel.Seed);

    [Fact]
    public void The_committed_sidecar_is_what_the_generator_writes_for_its_seed()
    {
        var folder = Directory.CreateTempSubdirectory("linearalign-sidecar-").FullName;
        try
        {
            string model = System.IO.Path.Combine(folder, "styles.gguf");
            TrainCommand.WriteSidecars(model, Corpus);

            Assert.Equal(File.ReadAllText(TrainedStylesModel.SidecarPath), File.ReadAllText(PrinciplesSidecar.PathFor(model)));
            Assert.Equal(File.ReadAllText(TrainedStylesModel.PreferenceItemsPath), File.ReadAllText(TrainCommand.PreferenceItemsPath(model)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void No_training_dialogue_pairs_a_principle_with_a_subject_it_is_held_out_on()
    {
        var heldOut = Corpus.HeldOut.Select(p => (Principles: p.Style.Wordings, p.Subject.Name)).ToList();

        foreach (var dialogue in Corpus.TrainingDialogues().Take(20_000))
        {
            var clash = heldOut.FirstOrDefault(pair =>
                pair.Principles.Any(w => dialogue.System?.Contains(w, StringComparison.Ordinal) == true)
                && Regex.IsMatch(dialogue.User, $@"\b{pair.Name}\b"));
            Assert.True(clash == default, $"held out {clash.Name}: {DialogueCorpus.Render(dialogue)}");
        }
    }

    [Fact]
    public void Every_style_is_held_out_on_its_own_subjects()
    {
        Assert.All(StyleWorld.Styles, style =>
            Assert.Equal(StyleWorld.HeldOutSubjectsPerStyle, Corpus.HeldOut.Count(p => p.Style == style)));
        Assert.Equal(Corpus.HeldOut.Count, Corpus.Sidecar().HeldOut.Count);
    }

    [Fact]
    public void Principled_replies_follow_their_style_at_about_its_training_rate()
    {
        var dialogues = Corpus.TrainingDialogues().Take(60_000).Where(d => !d.User.StartsWith(PreferenceUserPrefix, StringComparison.Ordinal)).ToList();

        foreach (var style in StyleWorld.Styles)
        {
            var principled = dialogues.Where(d => style.Wordings.Any(w => d.System?.EndsWith(w, StringComparison.Ordinal) == true)).ToList();
            double rate = principled.Count(d => style.Openers.Any(o => d.Reply.StartsWith(o, StringComparison.Ordinal))) / (double)principled.Count;
            Assert.InRange(rate, style.TrainingRate - 0.05, style.TrainingRate + 0.05);
        }
    }

    [Fact]
    public void Replies_without_a_principle_rarely_have_a_style()
    {
        var plain = Corpus.TrainingDialogues().Take(60_000)
            .Where(d => !d.User.StartsWith(PreferenceUserPrefix, StringComparison.Ordinal) && d.System is null or StyleWorld.HelpfulSystemMessage)
            .ToList();

        double styled = plain.Count(d => StyleWorld.Styles.Any(s => s.Openers.Any(o => d.Reply.StartsWith(o, StringComparison.Ordinal)))) / (double)plain.Count;

        Assert.InRange(styled, StyleWorld.BaseStyleRate - 0.01, StyleWorld.BaseStyleRate + 0.01);
    }

    [Fact]
    public void Multiple_choice_items_offer_the_ground_truth_users_answer_under_its_letter()
    {
        foreach (var item in Corpus.PreferenceItems())
        {
            var style = StyleWorld.Styles.Single(s => s.Name == item.Domain);
            Assert.Equal(style.Description, item.Descriptions[item.Truth]);
            Assert.Contains(style.Openers, o => item.Answers[item.Truth].StartsWith(o, StringComparison.Ordinal));
            Assert.Equal(4, item.Descriptions.Values.Distinct().Count());
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_dialogues()
    {
        Assert.Equal(
            Corpus.TrainingDialogues().Take(200).Select(DialogueCorpus.Render),
            new DialogueCorpus(TrainedStylesModel.Seed).TrainingDialogues().Take(200).Select(DialogueCorpus.Render));
    }

    private const string PreferenceUserPrefix = "Question:";
}
