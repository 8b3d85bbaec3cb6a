using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Native;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Tests.Model;

/// <summary>Model:Backend and Model:MainGpu against the devices llama.cpp found: CUDA or a clear reason why not.</summary>
public sealed class ComputePlacementTests : IDisposable
{
    private static readonly BackendDevice Cpu = new("CPU", "AMD EPYC", GgmlBackendDeviceType.Cpu, 1UL << 30, 2UL << 30);
    private static readonly BackendDevice H100 = new("CUDA0", "NVIDIA H100 80GB HBM3", GgmlBackendDeviceType.Gpu, 80UL << 30, 81UL << 30);
    private static readonly BackendDevice L4 = new("CUDA1", "NVIDIA L4", GgmlBackendDeviceType.Gpu, 22UL << 30, 23UL << 30);

    private readonly string _libraries = Directory.CreateTempSubdirectory("linearalign-libs-").FullName;

    public void Dispose() => Directory.Delete(_libraries, recursive: true);

    [Fact]
    public void Cuda_without_a_cuda_library_fails_naming_the_library_and_the_build_switch()
    {
        var error = Assert.Throws<ModelLoadException>(() => Select(ComputeBackend.Cuda, [Cpu]));

        Assert.Contains("libggml-cuda.so", error.Message);
        Assert.Contains("-p:LlamaNativeBackend=cuda", error.Message);
        Assert.Contains("Model:Backend=cpu", error.Message);
    }

    [Fact]
    public void Cuda_whose_library_cannot_load_fails_with_the_loader_s_reason_and_the_runtime_it_needs()
    {
        File.WriteAllText(Path.Combine(_libraries, ComputePlacement.CudaLibrary), "");

        var error = Assert.Throws<ModelLoadException>(() => Select(ComputeBackend.Cuda, [Cpu], loadError: "libcudart.so.13: cannot open shared object file"));

        Assert.Contains("libcudart.so.13: cannot open shared object file", error.Message);
        Assert.Contains("CUDA 13 runtime", error.Message);
    }

    [Fact]
    public void Cuda_whose_library_loads_but_finds_no_device_fails_pointing_at_the_driver()
    {
        File.WriteAllText(Path.Combine(_libraries, ComputePlacement.CudaLibrary), "");

        var error = Assert.Throws<ModelLoadException>(() => Select(ComputeBackend.Cuda, [Cpu]));

        Assert.Contains("no usable GPU", error.Message);
        Assert.Contains("nvidia-smi", error.Message);
    }

    [Fact]
    public void Auto_without_a_gpu_runs_on_the_cpu_and_says_why()
    {
        var placement = Select(ComputeBackend.Auto, [Cpu]);

        Assert.Equal(ComputeBackend.Cpu, placement.Backend);
        Assert.Contains("libggml-cuda.so", placement.Reason);
    }

    [Fact]
    public void Auto_with_gpus_splits_the_model_across_all_of_them()
    {
        var placement = Select(ComputeBackend.Auto, [Cpu, H100, L4]);

        Assert.Equal(ComputeBackend.Cuda, placement.Backend);
        Assert.Equal([H100, L4], placement.Gpus);
    }

    [Fact]
    public void Main_gpu_runs_the_model_on_that_gpu_alone()
    {
        var placement = Select(ComputeBackend.Cuda, [Cpu, H100, L4], mainGpu: 1);

        Assert.Equal([L4], placement.Gpus);
    }

    [Fact]
    public void A_main_gpu_beyond_the_gpus_found_fails_listing_them()
    {
        var error = Assert.Throws<ModelLoadException>(() => Select(ComputeBackend.Cuda, [Cpu, H100], mainGpu: 1));

        Assert.Contains("0 = CUDA0 (NVIDIA H100 80GB HBM3)", error.Message);
    }

    [Fact]
    public void Cpu_keeps_the_model_off_the_gpus_that_are_present()
    {
        var placement = Select(ComputeBackend.Cpu, [Cpu, H100]);

        Assert.Equal(ComputeBackend.Cpu, placement.Backend);
        Assert.Empty(placement.Gpus);
    }

    private ComputePlacement Select(ComputeBackend backend, BackendDevice[] devices, int? mainGpu = null, string? loadError = null) =>
        ComputePlacement.Select(
            new ModelOptions { Path = "model.gguf", Backend = backend, MainGpu = mainGpu }, _libraries, devices, _ => loadError);
}
