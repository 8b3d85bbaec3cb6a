using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Native.Tests;

public sealed class LlamaRuntimeTests
{
    public LlamaRuntimeTests() => NativeRuntimeFixture.EnsureLoaded();

    [Fact]
    public void Default_context_params_read_back_as_the_header_documents()
    {
        var parameters = LlamaApi.ContextDefaultParams();

        Assert.Equal(512u, parameters.ContextSize);
        Assert.Equal(2048u, parameters.BatchSize);
        Assert.Equal(512u, parameters.MicroBatchSize);
        Assert.Equal(1u, parameters.MaxSequences);
        Assert.Equal(-1, parameters.FlashAttentionType);
        Assert.Equal(-1f, parameters.YarnExtFactor);
        Assert.Equal(1, parameters.TypeK);
        Assert.Equal(1, parameters.OffloadKqv);
        Assert.Equal(0, parameters.KvUnified);
        Assert.Equal(0, parameters.Samplers);
    }

    [Fact]
    public void Default_model_params_read_back_as_the_header_documents()
    {
        var parameters = LlamaApi.ModelDefaultParams();

        Assert.Equal(-1, parameters.GpuLayerCount);
        Assert.Equal(1, parameters.SplitMode);
        Assert.Equal(-1, parameters.LoadMode);
        Assert.Equal(1, parameters.UseExtraBufferTypes);
        Assert.Equal(0, parameters.VocabOnly);
    }

    [Fact]
    public void Backend_plugins_are_loaded_so_a_cpu_device_exists()
    {
        var devices = LlamaRuntime.Devices();

        Assert.Contains(devices, d => d.Type == GgmlBackendDeviceType.Cpu);
    }

    [Fact]
    public void A_library_that_loads_has_no_load_error()
    {
        var library = Directory.GetFiles(LlamaRuntime.LibraryDirectory, "libggml-base*.so").First();

        Assert.Null(LlamaRuntime.LoadError(library));
    }

    [Fact]
    public void A_library_the_loader_refuses_has_a_load_error_giving_the_loader_s_reason()
    {
        var library = Path.Combine(Path.GetTempPath(), $"libggml-cuda-{Guid.NewGuid():N}.so");
        File.WriteAllText(library, new string('x', 4096));
        try
        {
            Assert.Contains("invalid ELF header", LlamaRuntime.LoadError(library));
        }
        finally
        {
            File.Delete(library);
        }
    }

    [Fact]
    public void The_cpu_backend_provides_a_persistent_threadpool()
    {
        using var threadpool = Handles.SafeGgmlThreadpoolHandle.Create(threads: 1);

        Assert.NotNull(threadpool);
        Assert.False(threadpool.IsInvalid);
    }

    [Fact]
    public void Loading_from_a_second_folder_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LlamaRuntime.Initialize("/nonexistent", NullLogger.Instance));

        Assert.Contains("already loaded", error.Message);
    }

    [Fact]
    public void Batch_handle_records_tokens_positions_sequences_and_outputs()
    {
        using var batch = new Handles.LlamaBatchHandle(4);

        var first = batch.Add(token: 7, position: 0, sequence: 2, wantLogits: false);
        var second = batch.Add(token: 9, position: 1, sequence: 3, wantLogits: true);

        Assert.Equal((0, 1, 2), (first, second, batch.Count));
        unsafe
        {
            var raw = batch.Batch;
            Assert.Equal(9, raw.Tokens[1]);
            Assert.Equal(1, raw.Positions[1]);
            Assert.Equal(3, raw.SequenceIds[1][0]);
            Assert.Equal(1, raw.Outputs[1]);
            Assert.Equal(0, raw.Outputs[0]);
        }
    }

    [Theory]
    [InlineData(LlamaLibraryNames.Llama, "libllama.cuda.v0.5.0.so")]
    [InlineData(LlamaLibraryNames.Ggml, "libggml.cuda.v0.5.0.so")]
    [InlineData(LlamaLibraryNames.GgmlBase, "libggml-base.so")]
    public void Libraries_are_found_under_the_cuda_package_names_too(string library, string file)
    {
        var folder = Directory.CreateTempSubdirectory("cuda-layout-").FullName;
        foreach (var name in new[] { "libllama.cuda.v0.5.0.so", "libllama-common.so", "libggml.cuda.v0.5.0.so", "libggml-base.so", "libggml-cpu-zen4.so", "libggml-cuda.so" })
        {
            File.WriteAllBytes(Path.Combine(folder, name), []);
        }

        Assert.Equal(Path.Combine(folder, file), LlamaLibraryNames.Find(folder, library));
        Directory.Delete(folder, recursive: true);
    }
}
