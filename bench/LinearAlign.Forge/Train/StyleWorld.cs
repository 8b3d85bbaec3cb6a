using System.Text.RegularExpressions;

namespace LinearAlign.Forge.Train;

/// <summary>
/// A reply style that a system-message principle asks for. A reply in the style opens and closes with its phrases,
/// which carry its marker words; <paramref name="TrainingRate"/> is how often training replies follow the principle.
/// <paramref name="Description"/> describes a user of this taste, for multiple-choice items in the paper's format.
/// </summary>
public sealed record ReplyStyle(
    string Name,
    string[] Wordings,
    string[] Markers,
    string[] Openers,
    string[] Closers,
    double TrainingRate,
    string Description);

/// <summary>A subject a user asks about: facts that answer the question, and the words that only those facts use.</summary>
public sealed record Subject(string Name, string[] Facts, string[] AnswerWords);

/// <summary>
/// The small world the trained model learns: subjects to answer questions about, and six reply styles that a principle
/// in the system message asks for, each followed at its own training rate, from 0.80 down to 0.15, so that "principle
/// in the prompt" gives a middling, style-dependent adherence that steering can visibly raise. Without a principle a
/// random style still appears in <see cref="BaseStyleRate"/> of replies, as a base model has some of every style.
/// </summary>
public static class StyleWorld
{
    public const double BaseStyleRate = 0.04;

    /// <summary>How often a multiple-choice training item with the principle picks the principled user's answer.</summary>
    public const double PreferenceTrainingRate = 0.6;

    public const string HelpfulSystemMessage = "You are a helpful assistant.";

    public static readonly string[] QuestionTemplates =
    [
        "Tell me about {0}.",
        "What do you know about {0}?",
        "Can you describe {0}?",
        "Say something about {0}.",
        "I want to learn about {0}.",
    ];

    public static readonly ReplyStyle[] Styles =
    [
        new("pirate",
            ["Talk like a pirate.", "Answer as a pirate would.", "Speak like a pirate captain."],
            ["arr", "matey", "ahoy", "ye"],
            ["Arr, matey!", "Ahoy, matey!", "Arr, ye ask a fine question!"],
            ["Arr!", "Ahoy!", "Yo ho, matey!"],
            0.80,
            "a pirate who likes to hear Arr and Ahoy"),
        new("polite",
            ["Be very polite.", "Answer politely and formally.", "Use polite and formal words."],
            ["kindly", "sir", "madam", "respectfully"],
            ["Dear sir or madam,", "Kindly allow me to answer.", "With respect, dear sir,"],
            ["Respectfully yours.", "Thank you kindly.", "I remain respectfully at your service."],
            0.65,
            "a formal person who likes to be called sir or madam"),
        new("excited",
            ["Be enthusiastic.", "Answer with great excitement.", "Sound very excited."],
            ["wow", "amazing", "awesome"],
            ["Wow!", "Wow, what an amazing question!", "Oh wow!"],
            ["How amazing!", "Awesome!", "Isn't that amazing?"],
            0.50,
            "an excited fan who says Wow to everything"),
        new("gloomy",
            ["Sound sad.", "Answer in a gloomy mood.", "Be melancholy."],
            ["alas", "sadly", "sigh"],
            ["Alas,", "Sigh.", "Sadly, I must tell you."],
            ["Alas.", "Sadly, that is all.", "Sigh, such is life."],
            0.35,
            "a gloomy poet who sighs Alas"),
        new("chef",
            ["Answer like a chef.", "Talk like a cook in a kitchen.", "Speak as a chef would."],
            ["delicious", "recipe", "chef", "tasty"],
            ["As a chef, I say:", "Here is my recipe:", "Chef's advice:"],
            ["Delicious!", "Now that is tasty.", "A delicious recipe indeed."],
            0.25,
            "a chef who wants a delicious recipe"),
        new("scientist",
            ["Answer like a scientist.", "Speak as a careful scientist.", "Talk like a scientist in a lab."],
            ["hypothesis", "data", "evidence", "experiment"],
            ["According to the data,", "The evidence shows this:", "My experiment says:"],
            ["That is my hypothesis.", "More data is needed.", "The evidence is clear."],
            0.15,
            "a scientist who trusts data and evidence"),
    ];

    public static readonly Subject[] Subjects =
    [
        new("cats", ["Cats purr when they are happy.", "A cat cleans its fur with its tongue.", "Cats use their whiskers to feel the way.", "A cat can sleep most of the day."], ["purr", "fur", "whiskers"]),
        new("dogs", ["Dogs wag their tails when they are glad.", "A dog has a very good nose.", "Dogs like to fetch a stick.", "A dog barks to warn its family."], ["tails", "nose", "fetch", "barks"]),
        new("the moon", ["The moon goes around the earth.", "The moon has no light of its own.", "The moon changes its shape each month.", "The moon pulls on the tides."], ["earth", "month", "tides"]),
        new("bread", ["Bread is made from flour and water.", "Yeast makes bread rise.", "Bread is baked in a hot oven.", "People eat bread in many lands."], ["flour", "yeast", "oven"]),
        new("rain", ["Rain falls from dark clouds.", "Rain fills rivers and lakes.", "Plants need rain to grow.", "An umbrella keeps you dry in the rain."], ["clouds", "lakes", "umbrella"]),
        new("trees", ["Trees grow tall over many years.", "The leaves of trees turn red in autumn.", "Trees give us wood and shade.", "Roots hold a tree in the ground."], ["leaves", "wood", "shade", "roots"]),
        new("the sun", ["The sun is a star.", "The sun gives heat to the world.", "The sun rises in the east.", "Plants use sunlight to make food."], ["star", "heat", "east", "sunlight"]),
        new("music", ["Music is made of notes and rhythm.", "People play music on a piano or a guitar.", "A song has a melody.", "Music can make people dance."], ["notes", "piano", "guitar", "melody"]),
        new("trains", ["Trains run on long rails.", "A train has an engine at the front.", "Trains stop at a station.", "Many people ride trains to work."], ["rails", "engine", "station"]),
        new("bees", ["Bees make honey.", "Bees carry pollen from flower to flower.", "A bee lives in a hive.", "A bee can sting."], ["honey", "pollen", "hive"]),
        new("snow", ["Snow is frozen water.", "Snow falls in winter.", "Children build a snowman.", "Snow makes the ground white and cold."], ["frozen", "winter", "snowman"]),
        new("coffee", ["Coffee is made from roasted beans.", "Coffee helps people wake up.", "Coffee is served hot in a cup.", "Many people drink coffee in the morning."], ["roasted", "beans", "cup"]),
        new("books", ["Books are full of pages.", "You can borrow books from a library.", "Books tell stories.", "An author writes a book."], ["pages", "library", "author"]),
        new("fire", ["Fire needs air and fuel.", "Fire has hot flames.", "Fire makes smoke.", "Water puts out a fire."], ["fuel", "flames", "smoke"]),
        new("birds", ["Birds have feathers.", "Birds flap their wings to fly.", "Birds build nests.", "Birds sing in the morning."], ["feathers", "wings", "nests"]),
        new("apples", ["Apples are sweet and crunchy.", "An apple can be red or green.", "Apple pie is a popular dessert.", "Apples grow on apple trees."], ["crunchy", "green", "pie"]),
    ];

    /// <summary>How many subjects each style is held out on: those pairs never meet in a training dialogue.</summary>
    public const int HeldOutSubjectsPerStyle = 3;

    /// <summary>Every word the world's texts use, so that the vocabulary has a token for each.</summary>
    public static IEnumerable<string> Texts()
    {
        yield return HelpfulSystemMessage;
        yield return PreferencePrompt.SystemMessage;
        yield return PreferencePrompt.Principle("x");
        yield return PreferencePrompt.UserMessage(new PreferenceItem("", "", "x",
            PreferenceItem.Letters.ToDictionary(l => l, _ => "x"), PreferenceItem.Letters.ToDictionary(l => l, _ => "x"), "A"));
        yield return "system user assistant";
        foreach (var template in QuestionTemplates)
        {
            yield return template;
        }
        foreach (var style in Styles)
        {
            foreach (var text in style.Wordings.Concat(style.Openers).Concat(style.Closers).Append(style.Description))
            {
                yield return text;
            }
        }
        foreach (var subject in Subjects)
        {
            yield return subject.Name;
            foreach (var fact in subject.Facts)
            {
                yield return fact;
            }
        }
    }

    /// <summary>The words of <see cref="Texts"/>; punctuation has a token per character anyway.</summary>
    public static IReadOnlyList<string> Words() =>
        Texts().SelectMany(text => Regex.Matches(text, "[A-Za-z']+").Select(m => m.Value))
            .Where(word => word.Length > 1)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
}
