using LinearAlign.Engine.Model;
using LinearAlign.Forge.Gguf;
using LinearAlign.Forge.Models;
using LinearAlign.TestFixtures;

namespace LinearAlign.Engine.Tests.Forge;

/// <summary>
/// Forging with the tokenizer of another GGUF file, as the benchmark presets do with llama.cpp's vocabulary files.
/// The donor here is a forged model itself, so the tests need neither network nor the npm bundle.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class ForgedVocabularyTests
{
    private const int DonorTokenCount = 1024;
    private const int EmbeddingRows = 1100;

    private static readonly ForgeSpec Donor = new(LlamaShape.Tiny with { VocabSize = DonorTokenCount }, Name: "vocabulary-donor");

    private static ForgeSpec Copying(string? chatTemplate) => new(
        LlamaShape.Tiny with { VocabSize = EmbeddingRows },
        GgmlType.Q8_0,
        Seed: 99,
        Name: "vocabulary-copy",
        ChatTemplate: chatTemplate,
        VocabularyFile: TinyModels.For(Donor));

    [Fact]
    public void Every_tokenizer_key_is_copied_and_the_token_list_is_padded_to_the_embedding()
    {
        var donor = GgufReader.ReadMetadata(TinyModels.For(Donor));
        var copy = GgufReader.ReadMetadata(TinyModels.For(Copying(chatTemplate: null)));

        var tokenizerKeys = donor.Keys.Where(k => k.StartsWith("tokenizer.", StringComparison.Ordinal)).ToList();
        Assert.Equal(tokenizerKeys, copy.Keys.Where(k => k.StartsWith("tokenizer.", StringComparison.Ordinal)));
        foreach (var key in tokenizerKeys)
        {
            if (donor[key].Value is GgufArray donorArray)
            {
                var items = Assert.IsType<GgufArray>(copy[key].Value).Items;
                Assert.Equal(EmbeddingRows, items.Length);
                Assert.Equal(donorArray.Items.Cast<object>(), items.Cast<object>().Take(DonorTokenCount));
            }
            else
            {
                Assert.Equal(donor[key], copy[key]);
            }
        }
        var tokens = (string[])((GgufArray)copy["tokenizer.ggml.tokens"].Value).Items;
        var types = (int[])((GgufArray)copy["tokenizer.ggml.token_type"].Value).Items;
        Assert.Equal($"[PAD{EmbeddingRows - 1}]", tokens[^1]);
        Assert.Equal(4, types[^1]); // user-defined, as in Qwen's padded GGUFs
    }

    [Fact]
    public void The_forged_model_tokenizes_with_the_copied_vocabulary_and_the_given_template()
    {
        using var donor = LlamaModel.Load(TinyModels.For(Donor), EngineFixture.ModelOptions);
        using var copy = LlamaModel.Load(TinyModels.For(Copying("{{ 'given template' }}")), EngineFixture.ModelOptions);

        var tokens = copy.Tokenize("Hello world", addSpecial: false);

        Assert.Equal(["▁Hello", "▁world"], tokens.Select(copy.TokenText));
        Assert.Equal(donor.Tokenize("Hello world", addSpecial: false), tokens);
        Assert.Equal(EmbeddingRows, copy.VocabularySize);
        Assert.Equal("{{ 'given template' }}", copy.ChatTemplate);
    }

    /// <summary>llama.cpp refuses a file holding tensors it did not ask for, so loading checks the bias names too.</summary>
    [Fact]
    public void A_qwen2_model_with_attention_biases_and_tied_embeddings_loads()
    {
        var shape = LlamaShape.Tiny with
        {
            Architecture = LlamaArchitecture.Qwen2,
            TiedEmbeddings = true,
            RopeFreqBase = 1_000_000f,
            RmsNormEpsilon = 1e-6f,
        };
        using var model = LlamaModel.Load(TinyModels.For(new ForgeSpec(shape, GgmlType.F16, Name: "tiny-qwen2")), EngineFixture.ModelOptions);

        Assert.Equal("qwen2", model.Info.Architecture);
        Assert.Equal(shape.VocabSize, model.VocabularySize);
    }
}
