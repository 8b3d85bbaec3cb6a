namespace LinearAlign.Forge.Models;

/// <summary>
/// A SentencePiece-style ("llama") vocabulary: control tokens, the 256 byte-fallback tokens, then normal pieces
/// in falling priority: the word-boundary mark, single characters, common English words and finally letter
/// combinations as filler up to the requested size.
/// </summary>
internal sealed class SyntheticVocabulary
{
    public const int UnknownId = 0;
    public const int BosId = 1;
    public const int EosId = 2;
    public const int ImEndId = 4;

    /// <summary>SentencePiece's word-boundary mark (U+2581), which stands for the space before a word.</summary>
    private const string WordStart = "\u2581";

    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>Most useful first: a small vocabulary keeps only the head of this list.</summary>
    private static readonly string[] Words =
    [
        "the", "a", "is", "you", "what", "how", "kind", "answer", "question", "helpful", "principle",
        "and", "of", "to", "in", "it", "I", "The", "What", "How", "Hello", "user", "assistant", "system",
        "that", "for", "on", "with", "as", "are", "be", "this", "not", "or", "can", "do", "your", "an", "will", "if",
        "at", "by", "from", "have", "we", "me", "my", "hello", "world", "yes", "no", "good", "please", "thank",
        "thanks", "help", "one", "two", "three", "four", "five", "first", "second", "last", "name", "time", "day",
        "year", "people", "way", "thing", "word", "words", "number", "story", "tell", "say", "said", "make", "know",
        "think", "see", "look", "want", "give", "use", "find", "work", "call", "try", "ask", "need", "feel", "become",
        "leave", "put", "mean", "keep", "let", "begin", "seem", "show", "hear", "play", "run", "move", "live",
        "believe", "true", "false", "right", "wrong", "new", "old", "great", "little", "small", "large", "long",
        "short", "high", "simple", "example", "test", "model", "explain", "because", "about", "which", "there",
        "their", "they", "would", "could", "should", "then", "when", "where", "why", "who", "all", "some", "more",
        "most", "other",
    ];

    private static readonly (string Text, LlamaTokenType Type)[] ControlTokens =
    [
        ("<unk>", LlamaTokenType.Unknown),
        ("<s>", LlamaTokenType.Control),
        ("</s>", LlamaTokenType.Control),
        ("<|im_start|>", LlamaTokenType.Control),
        // llama.cpp recognises this text and makes it an end-of-generation token, so ChatML turns end generation.
        ("<|im_end|>", LlamaTokenType.Control),
    ];

    private SyntheticVocabulary(string[] tokens, float[] scores, int[] types)
    {
        Tokens = tokens;
        Scores = scores;
        Types = types;
    }

    public IReadOnlyList<string> Tokens { get; }

    public IReadOnlyList<float> Scores { get; }

    public IReadOnlyList<int> Types { get; }

    /// <summary>
    /// Whether a model should ever emit the token: text pieces and the two ends of generation, but not unknown, BOS,
    /// turn starts or lone bytes, half of which would be broken UTF-8 on their own.
    /// </summary>
    public bool IsEmittable(int id) => Types[id] == (int)LlamaTokenType.Normal || IsEndOfGeneration(id);

    public static bool IsEndOfGeneration(int id) => id is EosId or ImEndId;

    /// <summary>The built-in words, then letter combinations as filler, up to <paramref name="size"/> tokens.</summary>
    public static SyntheticVocabulary Create(int size)
    {
        int fixedCount = ControlTokens.Length + 256;
        if (size <= fixedCount)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"a vocabulary needs more than the {fixedCount} control and byte tokens");
        }
        return Build(NormalPieces(Words, Filler()), size);
    }

    /// <summary>
    /// Exactly what text made of <paramref name="words"/> needs to come out a token per word: the word-boundary mark,
    /// every character the words use, and each word with and without the mark.
    /// </summary>
    public static SyntheticVocabulary FromWords(IEnumerable<string> words)
    {
        var wordList = words.ToList();
        var characters = wordList.SelectMany(w => w).Distinct().Order().Select(c => c.ToString());
        var pieces = NormalPieces([.. characters, .. wordList], []).ToList();
        return Build(pieces, ControlTokens.Length + 256 + pieces.Count);
    }

    private static SyntheticVocabulary Build(IEnumerable<string> normalPieces, int size)
    {
        var tokens = new string[size];
        var scores = new float[size];
        var types = new int[size];
        int id = 0;
        foreach (var (text, type) in ControlTokens)
        {
            tokens[id] = text;
            types[id++] = (int)type;
        }
        for (int b = 0; b < 256; b++)
        {
            tokens[id] = $"<0x{b:X2}>";
            types[id++] = (int)LlamaTokenType.Byte;
        }
        // Normal pieces score below every control and byte token and fall with priority, as a trained vocabulary's do.
        int rank = 1;
        using var pieces = normalPieces.GetEnumerator();
        while (id < size && pieces.MoveNext())
        {
            tokens[id] = pieces.Current;
            scores[id] = -rank++;
            types[id++] = (int)LlamaTokenType.Normal;
        }
        return new SyntheticVocabulary(tokens, scores, types);
    }

    /// <summary>Every piece at most once, best first: the mark, single characters, the words with their prefixes, the filler.</summary>
    private static IEnumerable<string> NormalPieces(IEnumerable<string> words, IEnumerable<string> filler)
    {
        var seen = new HashSet<string>();
        return PiecesByPriority(words).Concat(filler).Where(seen.Add);
    }

    private static IEnumerable<string> PiecesByPriority(IEnumerable<string> words)
    {
        yield return WordStart;
        foreach (char c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        {
            yield return c.ToString();
            yield return WordStart + c;
        }
        foreach (char c in "0123456789" + Punctuation)
        {
            yield return c.ToString();
        }
        // llama.cpp's SPM tokenizer only joins two adjacent pieces whose concatenation is itself a token, so a word
        // comes out whole only if the way up to it is there too: every prefix precedes the word.
        foreach (string word in words)
        {
            foreach (string form in (string[])[WordStart + word, word])
            {
                for (int length = 2; length <= form.Length; length++)
                {
                    yield return form[..length];
                }
            }
        }
    }

    /// <summary>Endless: ever longer letter strings, for vocabularies larger than the words fill.</summary>
    private static IEnumerable<string> Filler()
    {
        for (int length = 2; ; length++)
        {
            foreach (string letters in LowercaseStrings(length))
            {
                yield return letters;
                yield return WordStart + letters;
            }
        }
    }

    /// <summary>All lowercase strings of the given length, in alphabetical order.</summary>
    private static IEnumerable<string> LowercaseStrings(int length)
    {
        var letters = new char[length];
        Array.Fill(letters, 'a');
        while (true)
        {
            yield return new string(letters);
            int position = length - 1;
            while (position >= 0 && letters[position] == 'z')
            {
                letters[position--] = 'a';
            }
            if (position < 0)
            {
                yield break;
            }
            letters[position]++;
        }
    }
}
