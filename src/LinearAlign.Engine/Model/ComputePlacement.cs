using LinearAlign.Engine.Options;
using LinearAlign.Native;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Model;

/// <summary>
/// Where the model runs, chosen from Model:Backend and the devices the loaded llama.cpp libraries found: the CPU, or
/// CUDA GPUs (layers split across all of them, or only Model:MainGpu). CUDA asked for and not usable is an error that
/// names the library and the fix; only <see cref="ComputeBackend.Auto"/> falls back to the CPU.
/// </summary>
/// <param name="Reason">Why this placement, for the start-up log.</param>
public sealed record ComputePlacement(ComputeBackend Backend, IReadOnlyList<BackendDevice> Gpus, string Reason)
{
    /// <summary>ggml's CUDA backend plugin, as the npm CUDA package names it.</summary>
    public const string CudaLibrary = "libggml-cuda.so";

    public bool OnGpu => Backend == ComputeBackend.Cuda;

    /// <param name="devices">The backend devices llama.cpp registered (<see cref="LlamaRuntime.Devices"/>).</param>
    /// <param name="loadError">Why a library file cannot be loaded, or null when it can (<see cref="LlamaRuntime.LoadError"/>).</param>
    public static ComputePlacement Select(
        ModelOptions options, string libraryDirectory, IReadOnlyList<BackendDevice> devices, Func<string, string?> loadError)
    {
        if (options.Backend == ComputeBackend.Cpu)
        {
            return new ComputePlacement(ComputeBackend.Cpu, [], "Model:Backend is cpu");
        }
        var gpus = devices.Where(device => device.Type == GgmlBackendDeviceType.Gpu).ToList();
        if (gpus.Count == 0)
        {
            var why = WhyNoGpu(libraryDirectory, loadError);
            return options.Backend == ComputeBackend.Cuda
                ? throw new ModelLoadException($"Model:Backend is cuda, but {why} Or set Model:Backend=cpu to run on the CPU, or auto to use a GPU only when one is usable.")
                : new ComputePlacement(ComputeBackend.Cpu, [], $"Model:Backend is auto and no GPU is usable: {why}");
        }
        if (options.MainGpu is not { } main)
        {
            return new ComputePlacement(ComputeBackend.Cuda, gpus, $"Model:Backend is {Name(options.Backend)}; layers split across {gpus.Count} GPU(s)");
        }
        if (main >= gpus.Count)
        {
            throw new ModelLoadException(
                $"Model:MainGpu is {main}, but llama.cpp found {gpus.Count} GPU(s): {string.Join(", ", gpus.Select((gpu, i) => $"{i} = {gpu.Name} ({gpu.Description})"))}.");
        }
        return new ComputePlacement(ComputeBackend.Cuda, [gpus[main]], $"Model:Backend is {Name(options.Backend)}; Model:MainGpu = {main}");
    }

    private static string Name(ComputeBackend backend) => backend.ToString().ToLowerInvariant();

    private static string WhyNoGpu(string libraryDirectory, Func<string, string?> loadError)
    {
        var library = Path.Combine(libraryDirectory, CudaLibrary);
        if (!File.Exists(library))
        {
            return $"the llama.cpp libraries in {libraryDirectory} have no CUDA backend ({CudaLibrary}). " +
                "Build with -p:LlamaNativeBackend=cuda (it fetches @node-llama-cpp/linux-x64-cuda@3.22.1), use the CUDA image (docker/Dockerfile.cuda), or point Model:NativeLibraryPath at CUDA libraries.";
        }
        if (loadError(library) is { } error)
        {
            return $"the CUDA backend {library} cannot be loaded: {error}. " +
                "It needs the CUDA 13 runtime (libcudart.so.13, libcublas.so.13) on the library path, e.g. from the nvidia/cuda:13 runtime image or LD_LIBRARY_PATH.";
        }
        return $"the CUDA backend ({library}) loaded and found no usable GPU. " +
            "Check the NVIDIA driver with nvidia-smi (CUDA 13 needs driver R580 or newer), CUDA_VISIBLE_DEVICES, and that the container was given the GPU (docker --gpus all, or a nvidia.com/gpu resource in Kubernetes).";
    }
}
