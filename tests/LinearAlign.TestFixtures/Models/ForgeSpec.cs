using LinearAlign.TestFixtures.Gguf;

namespace LinearAlign.TestFixtures.Models;

/// <summary>
/// What <see cref="ModelForge"/> writes. Equal specs produce byte-identical files. <paramref name="WeightScale"/> is the
/// standard deviation of the embedding and output weights; hidden matrices get WeightScale / sqrt(fan-in).
/// Without a <paramref name="VocabularyFile"/> the model gets a <see cref="SyntheticVocabulary"/>; with one, that
/// GGUF file's tokenizer. A null <paramref name="ChatTemplate"/> keeps the vocabulary file's template, if it has one,
/// and otherwise leaves tokenizer.chat_template out. <paramref name="EndsTurns"/> false gives a synthetic vocabulary's
/// end-of-generation tokens no output weights, as stray bytes have none, so the model practically never ends a reply
/// on its own: for tests that need a generation to go on until they stop it, using only what an OpenAI client sends.
/// </summary>
public sealed record ForgeSpec(
    LlamaShape Shape,
    GgmlType WeightType = GgmlType.F32,
    int Seed = 1234,
    float WeightScale = 0.5f,
    string Name = "forged-llama",
    string? ChatTemplate = ForgeSpec.ChatMlTemplate,
    string? VocabularyFile = null,
    bool EndsTurns = true)
{
    /// <summary>The ChatML template as Qwen ships it; its tokens are in every synthetic vocabulary.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
}
