namespace LinearAlign.Bench.Load;

/// <summary>How many tokens a word of <see cref="PromptFactory"/>'s text takes on one server's tokenizer.</summary>
/// <param name="Source">"tokenize" when measured with the server's /tokenize, "estimate" when it has none.</param>
public sealed record TokenCalibration(double TokensPerWord, string Source)
{
    /// <summary>Common English words in a byte-pair vocabulary take a little over one token each.</summary>
    public static TokenCalibration Estimate { get; } = new(1.3, "estimate");
}

/// <summary>
/// Prompts of a given token length for any server: common English words, as many as the calibration says make the
/// length. Everything is drawn from seeded generators, so the same seed gives every server the same prompts, and the
/// same sampling seeds.
/// </summary>
public sealed class PromptFactory(TokenCalibration calibration, int seed)
{
    /// <summary>Words of a random prefix: enough that two prompts share no first tokens by chance.</summary>
    public const int RandomPrefixWords = 16;

    /// <summary>The length of each follow-up user message of a conversation.</summary>
    public const int FollowUpTokens = 20;

    private static readonly string[] CommonWords =
    [
        "the", "be", "to", "of", "and", "a", "in", "that", "have", "it", "for", "not", "on", "with", "he", "as", "you",
        "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will", "my",
        "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which", "go",
        "me", "when", "make", "can", "like", "time", "no", "just", "him", "know", "take", "people", "into", "year",
        "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only", "come", "its",
        "over", "think", "also", "back", "after", "use", "two", "how", "our", "work", "first", "well", "way", "even",
        "new", "want", "because", "any", "these", "give", "day", "most", "us", "is", "was", "are", "were", "been",
        "has", "had", "did", "said", "made", "find", "here", "thing", "many", "long", "little", "very", "before",
        "great", "where", "help", "through", "line", "right", "too", "mean", "old", "same", "tell", "boy", "follow",
        "came", "show", "around", "form", "three", "small", "set", "put", "end", "does", "another", "large", "must",
        "big", "such", "why", "ask", "went", "men", "read", "need", "land", "different", "home", "move", "try",
        "kind", "hand", "picture", "again", "change", "off", "play", "spell", "air", "away", "animal", "house",
        "point", "page", "letter", "mother", "answer", "found", "study", "still", "learn", "should", "world",
        "high", "every", "near", "add", "food", "between", "own", "below", "country", "plant", "last", "school",
        "father", "keep", "tree", "never", "start", "city", "earth", "eye", "light", "thought", "head", "under",
        "story", "saw", "left", "few", "while", "along", "might", "close", "something", "seem", "next", "hard",
        "open", "example", "begin", "life", "always", "those", "both", "paper", "together", "got", "group", "often",
        "run", "important", "until", "children", "side", "feet", "car", "mile", "night", "walk", "white", "sea",
        "began", "grow", "took", "river", "four", "carry", "state", "once", "book", "hear", "stop", "without",
        "second", "later", "miss", "idea", "enough", "eat", "face", "watch", "far", "really", "almost", "let",
        "above", "girl", "sometimes", "mountain", "cut", "young", "talk", "soon", "list", "song", "being", "leave",
        "family", "body", "music", "color", "stand", "sun", "question", "fish", "area", "mark", "dog", "horse",
    ];

    public TokenCalibration Calibration => calibration;

    /// <summary>
    /// The prompt of request <paramref name="index"/>: <see cref="PromptMode.Fixed"/> is the same text for every
    /// index; <see cref="PromptMode.Random"/> starts with words of its own and goes on with that same text.
    /// </summary>
    public string Prompt(int tokens, PromptMode mode, int index)
    {
        var words = WordsFor(tokens);
        var body = Words(new Random(seed), words);
        if (mode == PromptMode.Fixed)
        {
            return string.Join(' ', body);
        }
        var prefixLength = Math.Min(RandomPrefixWords, words);
        var prefix = Words(new Random(Mix(seed, index)), prefixLength);
        return string.Join(' ', prefix.Concat(body.Skip(prefixLength)));
    }

    /// <summary>The user message of turn <paramref name="turn"/> (from 1) of conversation <paramref name="conversation"/>.</summary>
    public string FollowUp(int conversation, int turn) =>
        string.Join(' ', Words(new Random(Mix(Mix(seed, conversation), turn)), WordsFor(FollowUpTokens)));

    /// <summary>The sampling seed of turn <paramref name="turn"/> (from 1) of conversation <paramref name="conversation"/>: non-negative, as llama-server takes 32-bit seeds with -1 meaning random.</summary>
    public int SamplingSeed(int conversation, int turn) => Mix(Mix(seed, conversation), turn) & int.MaxValue;

    /// <summary>Text for measuring a tokenizer: drawn as prompts are, long enough to average over the vocabulary.</summary>
    public static string CalibrationSample(int words) => string.Join(' ', Words(new Random(0), words));

    public int WordsFor(int tokens) => Math.Max(1, (int)Math.Round(tokens / calibration.TokensPerWord));

    private static string[] Words(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => CommonWords[random.Next(CommonWords.Length)]).ToArray();

    /// <summary>A seed derived from two numbers, the same in every process (unlike <see cref="HashCode"/>).</summary>
    private static int Mix(int seed, int value) => unchecked(seed * 1_000_003 + value * 7_919 + 17);
}
