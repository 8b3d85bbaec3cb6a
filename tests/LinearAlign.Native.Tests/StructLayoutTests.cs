using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;

namespace LinearAlign.Native.Tests;

/// <summary>The managed structs must match include/llama.h of v0.5.0 byte for byte; a shifted field is silent corruption.</summary>
public sealed class StructLayoutTests
{
    [Theory]
    [InlineData(typeof(LlamaModelParams), 80)]
    [InlineData(typeof(LlamaContextParams), 160)]
    [InlineData(typeof(LlamaBatch), 56)]
    [InlineData(typeof(LlamaTokenData), 12)]
    [InlineData(typeof(LlamaTokenDataArray), 32)]
    [InlineData(typeof(LlamaSamplerChainParams), 1)]
    [InlineData(typeof(LlamaChatMessage), 16)]
    [InlineData(typeof(LlamaLogitBias), 8)]
    [InlineData(typeof(GgmlThreadpoolParams), 528)]
    [InlineData(typeof(LlamaOptParams), 48)]
    [InlineData(typeof(GgmlOptOptimizerParams), 28)]
    public void Struct_size_matches_the_C_header(Type type, int size) => Assert.Equal(size, Marshal.SizeOf(type));

    [Theory]
    [InlineData(nameof(LlamaModelParams.GpuLayerCount), 16)]
    [InlineData(nameof(LlamaModelParams.TensorSplit), 40)]
    [InlineData(nameof(LlamaModelParams.KvOverrides), 64)]
    [InlineData(nameof(LlamaModelParams.VocabOnly), 72)]
    [InlineData(nameof(LlamaModelParams.LoadMtp), 77)]
    public void Model_params_fields_sit_at_the_C_offsets(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaModelParams>(field));

    [Theory]
    [InlineData(nameof(LlamaContextParams.MaxSequences), 12)]
    [InlineData(nameof(LlamaContextParams.Threads), 28)]
    [InlineData(nameof(LlamaContextParams.FlashAttentionType), 52)]
    [InlineData(nameof(LlamaContextParams.EvalCallback), 88)]
    [InlineData(nameof(LlamaContextParams.TypeK), 104)]
    [InlineData(nameof(LlamaContextParams.AbortCallback), 112)]
    [InlineData(nameof(LlamaContextParams.Embeddings), 128)]
    [InlineData(nameof(LlamaContextParams.KvUnified), 133)]
    [InlineData(nameof(LlamaContextParams.Samplers), 136)]
    [InlineData(nameof(LlamaContextParams.OtherContext), 152)]
    public void Context_params_fields_sit_at_the_C_offsets(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaContextParams>(field));

    [Fact]
    public void Token_data_array_sorted_flag_sits_at_offset_24() =>
        Assert.Equal(24, (int)Marshal.OffsetOf<LlamaTokenDataArray>(nameof(LlamaTokenDataArray.Sorted)));
}
