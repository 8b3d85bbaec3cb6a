using LinearAlign.Forge.Models;

namespace LinearAlign.Forge.Train;

/// <summary>A training dialogue: an optional system message, one user message and the assistant's reply.</summary>
public sealed record Dialogue(string? System, string User, string Reply);

/// <summary>
/// Everything <c>bench train</c> derives from a seed, with no model needed: which (style, subject) pairs are held out
/// of training, the sidecar that lists them, the multiple-choice evaluation items on them, and an endless stream of
/// training dialogues. Each comes from its own random stream, so the sidecar does not depend on how long one trains.
/// </summary>
public sealed class DialogueCorpus
{
    /// <summary>Share of training dialogues that are multiple-choice items in the paper's personal-preference format.</summary>
    public const double PreferenceShare = 0.4;

    public const int PreferenceItemsPerHeldOutPair = 3;

    private const ulong HeldOutStream = 0x48454C44;
    private const ulong TrainingStream = 0x545241494E;
    private const ulong PreferenceStream = 0x50524546;

    private readonly HashSet<(string Style, string Subject)> _heldOut;

    public DialogueCorpus(int seed)
    {
        Seed = seed;
        var random = new SplitMix64((ulong)seed ^ HeldOutStream);
        var pairs = new List<(ReplyStyle, Subject)>();
        foreach (var style in StyleWorld.Styles)
        {
            var subjects = StyleWorld.Subjects.ToArray();
            Shuffle(ref random, subjects);
            pairs.AddRange(subjects.Take(StyleWorld.HeldOutSubjectsPerStyle).Select(subject => (style, subject)));
        }
        HeldOut = pairs;
        _heldOut = pairs.Select(p => (p.Item1.Name, p.Item2.Name)).ToHashSet();
    }

    public int Seed { get; }

    /// <summary>Pairs whose principle never meets the subject in training: adherence on them shows generalisation.</summary>
    public IReadOnlyList<(ReplyStyle Style, Subject Subject)> HeldOut { get; }

    public PrinciplesSidecar Sidecar() => new(
        Seed,
        [.. StyleWorld.Styles.Select(s => new SidecarPrinciple(s.Name, s.Wordings, s.Markers, s.TrainingRate))],
        [.. HeldOut.Select((pair, i) => new HeldOutPrompt(
            pair.Style.Name, pair.Subject.Name, Question(StyleWorld.QuestionTemplates[i % StyleWorld.QuestionTemplates.Length], pair.Subject), pair.Subject.AnswerWords))],
        StyleWorld.BaseStyleRate);

    /// <summary>Multiple-choice items on the held-out pairs: the held-out style's user is the ground truth.</summary>
    public IReadOnlyList<PreferenceItem> PreferenceItems()
    {
        var random = new SplitMix64((ulong)Seed ^ PreferenceStream);
        var items = new List<PreferenceItem>();
        foreach (var (style, subject) in HeldOut)
        {
            for (int i = 0; i < PreferenceItemsPerHeldOutPair; i++)
            {
                items.Add(MakePreferenceItem(ref random, $"{style.Name}-{subject.Name.Replace(' ', '-')}-{i}", style, subject));
            }
        }
        return items;
    }

    /// <summary>An endless stream of training dialogues, none of which pairs a principle with a subject it is held out on.</summary>
    public IEnumerable<Dialogue> TrainingDialogues()
    {
        var random = new SplitMix64((ulong)Seed ^ TrainingStream);
        for (long n = 0; ; n++)
        {
            yield return random.NextDouble() < PreferenceShare
                ? PreferenceDialogue(ref random, n)
                : ChatDialogue(ref random);
        }
    }

    /// <summary>The dialogue as ChatML renders it (the forged model's template), ending with the reply's end of turn.</summary>
    public static string Render(Dialogue dialogue)
    {
        var text = new System.Text.StringBuilder();
        if (dialogue.System is not null)
        {
            text.Append("<|im_start|>system\n").Append(dialogue.System).Append("<|im_end|>\n");
        }
        text.Append("<|im_start|>user\n").Append(dialogue.User).Append("<|im_end|>\n");
        text.Append("<|im_start|>assistant\n").Append(dialogue.Reply).Append("<|im_end|>");
        return text.ToString();
    }

    private Dialogue ChatDialogue(ref SplitMix64 random)
    {
        var subject = random.Pick(StyleWorld.Subjects);
        var user = Question(random.Pick(StyleWorld.QuestionTemplates), subject);
        string? system = random.NextDouble() < 0.5 ? StyleWorld.HelpfulSystemMessage : null;
        ReplyStyle? style;
        if (random.NextDouble() < 0.5)
        {
            var principled = PrincipledStyle(ref random, subject);
            system = WithPrinciple(system, random.Pick(principled.Wordings));
            style = random.NextDouble() < principled.TrainingRate ? principled : null;
        }
        else
        {
            style = random.NextDouble() < StyleWorld.BaseStyleRate ? random.Pick(StyleWorld.Styles) : null;
        }
        return new Dialogue(system, user, Reply(ref random, style, subject));
    }

    private Dialogue PreferenceDialogue(ref SplitMix64 random, long n)
    {
        var subject = random.Pick(StyleWorld.Subjects);
        var truth = PrincipledStyle(ref random, subject);
        var item = MakePreferenceItem(ref random, $"train-{n}", truth, subject);
        bool withPrinciple = random.NextDouble() < 0.5;
        string system = withPrinciple
            ? WithPrinciple(PreferencePrompt.SystemMessage, PreferencePrompt.Principle(item))
            : PreferencePrompt.SystemMessage;
        string letter = withPrinciple && random.NextDouble() < StyleWorld.PreferenceTrainingRate
            ? item.Truth
            : random.Pick(PreferenceItem.Letters);
        return new Dialogue(system, PreferencePrompt.UserMessage(item), letter);
    }

    private static PreferenceItem MakePreferenceItem(ref SplitMix64 random, string id, ReplyStyle truth, Subject subject)
    {
        var others = StyleWorld.Styles.Where(s => s != truth).ToArray();
        Shuffle(ref random, others);
        var styles = others.Take(PreferenceItem.Letters.Length - 1).Append(truth).ToArray();
        Shuffle(ref random, styles);
        string question = Question(random.Pick(StyleWorld.QuestionTemplates), subject);
        var descriptions = new Dictionary<string, string>();
        var answers = new Dictionary<string, string>();
        for (int i = 0; i < styles.Length; i++)
        {
            descriptions[PreferenceItem.Letters[i]] = styles[i].Description;
            answers[PreferenceItem.Letters[i]] = $"{random.Pick(styles[i].Openers)} {random.Pick(subject.Facts)}";
        }
        return new PreferenceItem(id, truth.Name, question, descriptions, answers, PreferenceItem.Letters[Array.IndexOf(styles, truth)]);
    }

    /// <summary>A style whose principle may meet this subject in training.</summary>
    private ReplyStyle PrincipledStyle(ref SplitMix64 random, Subject subject)
    {
        while (true)
        {
            var style = random.Pick(StyleWorld.Styles);
            if (!_heldOut.Contains((style.Name, subject.Name)))
            {
                return style;
            }
        }
    }

    /// <summary>Two of the subject's facts; in a style, between one of its openers and one of its closers.</summary>
    private static string Reply(ref SplitMix64 random, ReplyStyle? style, Subject subject)
    {
        int first = random.NextInt(subject.Facts.Length);
        int second = (first + 1 + random.NextInt(subject.Facts.Length - 1)) % subject.Facts.Length;
        string body = $"{subject.Facts[first]} {subject.Facts[second]}";
        return style is null ? body : $"{random.Pick(style.Openers)} {body} {random.Pick(style.Closers)}";
    }

    /// <summary>The principle placed as the server places it (PromptBuilder.WithPrinciple), so training matches serving.</summary>
    private static string WithPrinciple(string? system, string principle) =>
        system is null ? principle : system + Engine.Text.PromptBuilder.PrincipleSeparator + principle;

    private static string Question(string template, Subject subject) => string.Format(template, subject.Name);

    private static void Shuffle<T>(ref SplitMix64 random, T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
