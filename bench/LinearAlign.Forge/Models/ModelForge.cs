using System.Buffers.Binary;
using LinearAlign.Forge.Gguf;

namespace LinearAlign.Forge.Models;

/// <summary>
/// Writes llama-family GGUF models with seeded random weights that llama.cpp loads and runs like a real model: the
/// output is nonsense, but deterministic for a given spec.
/// </summary>
public static class ModelForge
{
    /// <summary>GGML_QNT_VERSION: the quantised block layout the data is in.</summary>
    private const uint QuantizationVersion = 2;

    public static void Write(string path, ForgeSpec spec)
    {
        Validate(spec.Shape);
        if (spec.MeanReplyTokens is not null && !spec.EndsTurns)
        {
            throw new ArgumentException("a mean reply length needs a model that ends its turns", nameof(spec));
        }
        var writer = new GgufWriter();
        AddHyperparameters(writer, spec);
        Func<int, bool>? isOutputRowLive = null;
        if (spec.VocabularyFile is null)
        {
            var vocabulary = spec.VocabularyWords is null
                ? SyntheticVocabulary.Create(spec.Shape.VocabSize)
                : SyntheticVocabulary.FromWords(spec.VocabularyWords);
            if (vocabulary.Tokens.Count != spec.Shape.VocabSize)
            {
                throw new ArgumentException($"the shape's vocabulary size {spec.Shape.VocabSize} is not the {vocabulary.Tokens.Count} tokens the words need", nameof(spec));
            }
            AddSyntheticVocabulary(writer, spec, vocabulary);
            isOutputRowLive = spec.EndsTurns ? vocabulary.IsEmittable : id => vocabulary.IsEmittable(id) && !SyntheticVocabulary.IsEndOfGeneration(id);
        }
        else
        {
            CopiedTokenizer.AddTo(writer, spec.VocabularyFile, spec.Shape.VocabSize, spec.ChatTemplate);
        }
        var endOfTurn = spec.MeanReplyTokens is { } meanReplyTokens
            ? EndOfTurnChannel.For(spec.Shape, spec.WeightScale,
                spec.VocabularyFile is null ? SyntheticVocabulary.EosId : CopiedTokenizer.EndOfTurnToken(spec.VocabularyFile), meanReplyTokens,
                // Output rows are muted only where the output has rows of its own.
                spec.Shape.TiedEmbeddings || isOutputRowLive is null ? spec.Shape.VocabSize : Enumerable.Range(0, spec.Shape.VocabSize).Count(isOutputRowLive))
            : null;
        AddTensors(writer, spec, isOutputRowLive, endOfTurn);
        writer.WriteTo(path);
    }

    /// <summary>The size of the vocabulary that <see cref="ForgeSpec.VocabularyWords"/> = <paramref name="words"/> gives.</summary>
    public static int WordVocabularySize(IEnumerable<string> words) => SyntheticVocabulary.FromWords(words).Tokens.Count;

    private static void Validate(LlamaShape shape)
    {
        if (shape.EmbeddingLength % shape.HeadCount != 0 || shape.HeadDimension % 2 != 0)
        {
            throw new ArgumentException($"embedding length {shape.EmbeddingLength} must split into {shape.HeadCount} heads of an even size (rope rotates pairs)", nameof(shape));
        }
        if (shape.HeadCountKv <= 0 || shape.HeadCount % shape.HeadCountKv != 0)
        {
            throw new ArgumentException($"{shape.HeadCount} query heads cannot share {shape.HeadCountKv} KV heads evenly", nameof(shape));
        }
    }

    private static void AddHyperparameters(GgufWriter writer, ForgeSpec spec)
    {
        var shape = spec.Shape;
        string architecture = shape.Architecture.GgufName();
        writer.Add("general.architecture", architecture);
        writer.Add("general.name", spec.Name);
        writer.AddUInt32("general.file_type", FileType(spec.WeightType));
        writer.AddUInt32("general.quantization_version", QuantizationVersion);
        writer.AddUInt32($"{architecture}.context_length", (uint)shape.ContextLength);
        writer.AddUInt32($"{architecture}.embedding_length", (uint)shape.EmbeddingLength);
        writer.AddUInt32($"{architecture}.block_count", (uint)shape.BlockCount);
        writer.AddUInt32($"{architecture}.feed_forward_length", (uint)shape.FeedForwardLength);
        writer.AddUInt32($"{architecture}.attention.head_count", (uint)shape.HeadCount);
        writer.AddUInt32($"{architecture}.attention.head_count_kv", (uint)shape.HeadCountKv);
        writer.AddUInt32($"{architecture}.rope.dimension_count", (uint)shape.HeadDimension);
        writer.AddFloat32($"{architecture}.attention.layer_norm_rms_epsilon", shape.RmsNormEpsilon);
        writer.AddFloat32($"{architecture}.rope.freq_base", shape.RopeFreqBase);
        writer.AddUInt32($"{architecture}.vocab_size", (uint)shape.VocabSize);
        if (spec.Principles is not null)
        {
            writer.Add("linearalign.principles", spec.Principles);
        }
    }

    private static void AddSyntheticVocabulary(GgufWriter writer, ForgeSpec spec, SyntheticVocabulary vocabulary)
    {
        writer.Add("tokenizer.ggml.model", "llama");
        writer.AddStringArray("tokenizer.ggml.tokens", vocabulary.Tokens);
        writer.AddFloat32Array("tokenizer.ggml.scores", vocabulary.Scores);
        writer.AddInt32Array("tokenizer.ggml.token_type", vocabulary.Types);
        writer.AddUInt32("tokenizer.ggml.bos_token_id", SyntheticVocabulary.BosId);
        writer.AddUInt32("tokenizer.ggml.eos_token_id", SyntheticVocabulary.EosId);
        writer.AddUInt32("tokenizer.ggml.unknown_token_id", SyntheticVocabulary.UnknownId);
        writer.AddBool("tokenizer.ggml.add_bos_token", true);
        writer.AddBool("tokenizer.ggml.add_eos_token", false);
        if (spec.ChatTemplate is not null)
        {
            writer.Add("tokenizer.chat_template", spec.ChatTemplate);
        }
    }

    /// <summary>
    /// Only output rows <paramref name="isOutputRowLive"/> accepts get weights; null accepts all, as a copied
    /// tokenizer says nothing of which tokens a model should emit. With <paramref name="endOfTurn"/>, its channel
    /// is laid into the embeddings, the layers and the output.
    /// </summary>
    private static void AddTensors(GgufWriter writer, ForgeSpec spec, Func<int, bool>? isOutputRowLive, EndOfTurnChannel? endOfTurn)
    {
        var shape = spec.Shape;
        Func<int, bool>? isLayerOutputRowLive = endOfTurn is null ? null : row => row != endOfTurn.Dimension;
        Func<int, float> layerNormWeight = endOfTurn is null ? _ => 1f : endOfTurn.LayerNormWeight;
        // Embedding and output weights get the full scale so that logits differ between tokens by several units;
        // hidden matrices are scaled by fan-in (ne0, the dimension ggml's matmul sums over) to keep activations bounded.
        AddMatrix(writer, spec, "token_embd.weight", shape.EmbeddingLength, shape.VocabSize, spec.WeightScale,
            channel: endOfTurn is null ? null : new ColumnValues(endOfTurn.Dimension, row => endOfTurn.EmbeddingValue(row, shape.TiedEmbeddings)));
        for (int block = 0; block < shape.BlockCount; block++)
        {
            string prefix = $"blk.{block}.";
            AddNorm(writer, prefix + "attn_norm.weight", shape.EmbeddingLength, layerNormWeight);
            AddHiddenMatrix(writer, spec, prefix + "attn_q.weight", shape.EmbeddingLength, shape.EmbeddingLength);
            AddHiddenMatrix(writer, spec, prefix + "attn_k.weight", shape.EmbeddingLength, shape.KvEmbeddingLength);
            AddHiddenMatrix(writer, spec, prefix + "attn_v.weight", shape.EmbeddingLength, shape.KvEmbeddingLength);
            if (shape.Architecture == LlamaArchitecture.Qwen2)
            {
                AddBias(writer, spec, prefix + "attn_q.bias", shape.EmbeddingLength);
                AddBias(writer, spec, prefix + "attn_k.bias", shape.KvEmbeddingLength);
                AddBias(writer, spec, prefix + "attn_v.bias", shape.KvEmbeddingLength);
            }
            AddHiddenMatrix(writer, spec, prefix + "attn_output.weight", shape.EmbeddingLength, shape.EmbeddingLength, isLayerOutputRowLive);
            AddNorm(writer, prefix + "ffn_norm.weight", shape.EmbeddingLength, layerNormWeight);
            AddHiddenMatrix(writer, spec, prefix + "ffn_gate.weight", shape.EmbeddingLength, shape.FeedForwardLength);
            AddHiddenMatrix(writer, spec, prefix + "ffn_up.weight", shape.EmbeddingLength, shape.FeedForwardLength);
            AddHiddenMatrix(writer, spec, prefix + "ffn_down.weight", shape.FeedForwardLength, shape.EmbeddingLength, isLayerOutputRowLive);
        }
        AddNorm(writer, "output_norm.weight", shape.EmbeddingLength, endOfTurn is null ? _ => 1f : endOfTurn.OutputNormWeight);
        if (!shape.TiedEmbeddings)
        {
            // Tokens never to be emitted get all-zero output rows: their logit stays 0 while the others spread over
            // several units, so greedy output is text pieces and the occasional end of turn, never stray bytes.
            AddMatrix(writer, spec, "output.weight", shape.EmbeddingLength, shape.VocabSize, spec.OutputScale ?? spec.WeightScale, isOutputRowLive,
                endOfTurn is null ? null : new ColumnValues(endOfTurn.Dimension, row => endOfTurn.OutputValue(row, isOutputRowLive?.Invoke(row) ?? true)));
        }
    }

    /// <summary>One value per row of a matrix, written over the random weights at column <paramref name="Column"/>.</summary>
    private sealed record ColumnValues(int Column, Func<int, float> ValueOfRow);

    private static void AddHiddenMatrix(GgufWriter writer, ForgeSpec spec, string name, int ne0, int ne1, Func<int, bool>? isRowLive = null) =>
        AddMatrix(writer, spec, name, ne0, ne1, spec.WeightScale / MathF.Sqrt(ne0), isRowLive);

    private static void AddMatrix(
        GgufWriter writer, ForgeSpec spec, string name, int ne0, int ne1, float std, Func<int, bool>? isRowLive = null, ColumnValues? channel = null)
    {
        ulong seed = RandomWeights.TensorSeed(spec.Seed, name);
        int rowBytes = (int)spec.WeightType.ByteCount([ne0]);
        writer.AddTensor(name, spec.WeightType, [ne0, ne1], data =>
        {
            RandomWeights.FillUniform(data, spec.WeightType, std, seed);
            for (int row = 0; (isRowLive is not null || channel is not null) && row < ne1; row++)
            {
                var bytes = data.Slice(row * rowBytes, rowBytes);
                if (isRowLive?.Invoke(row) == false)
                {
                    // All-zero bytes are 0.0 in every supported type, a zero scale included for Q8_0.
                    bytes.Clear();
                }
                if (channel is not null)
                {
                    TensorRowValues.Set(bytes, spec.WeightType, channel.Column, channel.ValueOfRow(row));
                }
            }
        });
    }

    /// <summary>Biases are added after the matmul, so they get the scale of its outputs; ggml keeps them in F32.</summary>
    private static void AddBias(GgufWriter writer, ForgeSpec spec, string name, int length)
    {
        ulong seed = RandomWeights.TensorSeed(spec.Seed, name);
        writer.AddTensor(name, GgmlType.F32, [length], data => RandomWeights.FillUniform(data, GgmlType.F32, spec.WeightScale, seed));
    }

    /// <summary>RMS norm weights of one leave activations as normalised; ggml wants norms in F32 whatever the file type.</summary>
    private static void AddNorm(GgufWriter writer, string name, int length, Func<int, float> weight) =>
        writer.AddTensor(name, GgmlType.F32, [length], data =>
        {
            for (int i = 0; i < length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data[(i * sizeof(float))..], weight(i));
            }
        });

    /// <summary>llama_ftype of a file whose matrices are all in one type.</summary>
    private static uint FileType(GgmlType weightType) => weightType switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q8_0 => 7,
        _ => throw new ArgumentOutOfRangeException(nameof(weightType), weightType, "unsupported weight type"),
    };
}
