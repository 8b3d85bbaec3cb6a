using LinearAlign.Forge.Gguf;

namespace LinearAlign.Forge.Models;

/// <summary>
/// What <see cref="ModelForge"/> writes. Equal specs produce byte-identical files. <paramref name="WeightScale"/> is the
/// standard deviation of the embedding and output weights; hidden matrices get WeightScale / sqrt(fan-in).
/// Without a <paramref name="VocabularyFile"/> the model gets a <see cref="SyntheticVocabulary"/>; with one, that
/// GGUF file's tokenizer. A null <paramref name="ChatTemplate"/> keeps the vocabulary file's template, if it has one,
/// and otherwise leaves tokenizer.chat_template out. <paramref name="EndsTurns"/> false gives a synthetic vocabulary's
/// end-of-generation tokens no output weights, as stray bytes have none, so the model practically never ends a reply
/// on its own: for tests that need a generation to go on until they stop it, using only what an OpenAI client sends.
/// <paramref name="VocabularyWords"/> makes the synthetic vocabulary exactly what text of these words needs, one token a
/// word (the shape's VocabSize must be <see cref="ModelForge.WordVocabularySize"/>), for a model to be trained on them.
/// <paramref name="OutputScale"/> sets the output matrix's standard deviation apart from the embeddings'.
/// <paramref name="Principles"/> is written as given, well-formed or not, as the linearalign.principles metadata
/// (a JSON array of {"name", "principle"} objects, as `bench train` writes it), which the server reads.
/// <paramref name="MeanReplyTokens"/> makes the model end its turns by itself: sampled at temperature 1, a reply runs this
/// many tokens on average before the end-of-turn token (the tokenizer's eot token, else its eos), every other token
/// being about equally likely (see <see cref="EndOfTurnChannel"/>); greedy decoding that ignores the end of turn
/// repeats the input's last token where the output is tied to the embeddings.
/// </summary>
public sealed record ForgeSpec(
    LlamaShape Shape,
    GgmlType WeightType = GgmlType.F32,
    int Seed = 1234,
    float WeightScale = 0.5f,
    string Name = "forged-llama",
    string? ChatTemplate = ForgeSpec.ChatMlTemplate,
    string? VocabularyFile = null,
    bool EndsTurns = true,
    IReadOnlyList<string>? VocabularyWords = null,
    float? OutputScale = null,
    string? Principles = null,
    int? MeanReplyTokens = null)
{
    /// <summary>The ChatML template as Qwen ships it; its tokens are in every synthetic vocabulary.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
}
