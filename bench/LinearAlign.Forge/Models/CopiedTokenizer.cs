using LinearAlign.Forge.Gguf;

namespace LinearAlign.Forge.Models;

/// <summary>
/// A real tokenizer for a forged model: every tokenizer.* key of a GGUF vocabulary file, such as llama.cpp's
/// models/ggml-vocab-*.gguf, copied as it is, with the token list padded up to the embedding's row count.
/// </summary>
internal static class CopiedTokenizer
{
    private const string KeyPrefix = "tokenizer.";
    private const string TokensKey = "tokenizer.ggml.tokens";
    private const string ScoresKey = "tokenizer.ggml.scores";
    private const string TokenTypesKey = "tokenizer.ggml.token_type";
    private const string ChatTemplateKey = "tokenizer.chat_template";
    private const string EndOfTurnKey = "tokenizer.ggml.eot_token_id";
    private const string EndOfSequenceKey = "tokenizer.ggml.eos_token_id";

    /// <summary>
    /// Adds the tokenizer of <paramref name="vocabularyFile"/> for an embedding of <paramref name="vocabSize"/> rows.
    /// A non-null <paramref name="chatTemplate"/> replaces the file's template.
    /// </summary>
    public static void AddTo(GgufWriter writer, string vocabularyFile, int vocabSize, string? chatTemplate)
    {
        var metadata = GgufReader.ReadMetadata(vocabularyFile);
        if (metadata.GetValueOrDefault(TokensKey)?.Value is not GgufArray { Items: string[] tokens })
        {
            throw new InvalidDataException($"{vocabularyFile} has no {TokensKey} string array");
        }
        if (tokens.Length > vocabSize)
        {
            throw new ArgumentException($"{vocabularyFile} has {tokens.Length} tokens, more than the {vocabSize} rows of the embedding", nameof(vocabSize));
        }

        foreach (var (key, value) in metadata)
        {
            if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || (key == ChatTemplateKey && chatTemplate is not null))
            {
                continue;
            }
            writer.Add(key, key switch
            {
                TokensKey => Padded(key, value, tokens.Length, vocabSize, id => $"[PAD{id}]"),
                ScoresKey => Padded(key, value, tokens.Length, vocabSize, _ => 0f),
                TokenTypesKey => Padded(key, value, tokens.Length, vocabSize, _ => (int)LlamaTokenType.UserDefined),
                _ => value,
            });
        }
        if (chatTemplate is not null)
        {
            writer.Add(ChatTemplateKey, chatTemplate);
        }
    }

    /// <summary>The token that ends a turn in <paramref name="vocabularyFile"/>'s tokenizer: its eot token, else its eos.</summary>
    public static int EndOfTurnToken(string vocabularyFile)
    {
        var metadata = GgufReader.ReadMetadata(vocabularyFile);
        var id = metadata.GetValueOrDefault(EndOfTurnKey) ?? metadata.GetValueOrDefault(EndOfSequenceKey)
            ?? throw new InvalidDataException($"{vocabularyFile} names no end-of-turn token ({EndOfTurnKey} or {EndOfSequenceKey})");
        return Convert.ToInt32(id.Value);
    }

    /// <summary>
    /// llama.cpp sizes the vocabulary by the token list, which must match the embedding's rows. Qwen's converted
    /// GGUFs fill the rows their tokenizer does not use the same way: "[PAD{id}]", user-defined, score 0.
    /// </summary>
    private static GgufValue Padded<T>(string key, GgufValue value, int tokenCount, int vocabSize, Func<int, T> padding)
    {
        if (value.Value is not GgufArray { Items: T[] items } array || items.Length != tokenCount)
        {
            throw new InvalidDataException($"{key} is not an array of {tokenCount} {typeof(T).Name} values, one per token");
        }
        var padded = new T[vocabSize];
        items.CopyTo(padded, 0);
        for (int id = tokenCount; id < vocabSize; id++)
        {
            padded[id] = padding(id);
        }
        return GgufValue.ArrayOf(array.ElementType, padded);
    }
}
