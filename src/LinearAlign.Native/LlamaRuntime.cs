using System.Reflection;
using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Native;

/// <summary>A ggml backend device (CPU, CUDA GPU, ...) and its memory as the backend reports it.</summary>
public sealed record BackendDevice(string Name, string Description, GgmlBackendDeviceType Type, ulong FreeBytes, ulong TotalBytes);

/// <summary>
/// Loads llama.cpp from one folder, once per process. The npm package names its libraries with a version
/// (libllama.v0.5.0.so), which the default probing never finds, and ggml only looks for its CPU/GPU backend
/// plugins beside the executable (dotnet itself) unless told the folder, so both are resolved explicitly.
/// </summary>
public static class LlamaRuntime
{
    private static readonly Lock Gate = new();
    private static string? s_directory;

    /// <summary>The backend the build fetched libraries for (cpu, or cuda with -p:LlamaNativeBackend=cuda).</summary>
    public static string BuiltBackend { get; } =
        typeof(LlamaRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LlamaNativeBackend").Value ?? "cpu";

    /// <summary>Where the build puts the libraries: native/&lt;backend&gt; beside the app.</summary>
    public static string DefaultLibraryDirectory => Path.Combine(AppContext.BaseDirectory, "native", BuiltBackend);

    /// <summary>
    /// Loads the libraries from <paramref name="libraryDirectory"/> and routes native logging to <paramref name="logger"/>.
    /// Calling it again with the same folder only switches the logger.
    /// </summary>
    public static void Initialize(string libraryDirectory, ILogger logger)
    {
        lock (Gate)
        {
            var directory = Path.GetFullPath(libraryDirectory);
            if (s_directory is not null)
            {
                if (s_directory != directory)
                {
                    throw new InvalidOperationException(
                        $"llama.cpp is already loaded from {s_directory}; one process cannot load it from {directory} as well.");
                }
                NativeLog.Install(logger);
                return;
            }

            var missing = LlamaLibraryNames.All.Where(name => LlamaLibraryNames.Find(directory, name) is null).Select(LlamaLibraryNames.Describe).ToList();
            if (missing.Count > 0)
            {
                throw new DllNotFoundException(
                    $"llama.cpp libraries not found in {directory} (missing {string.Join(", ", missing)}). " +
                    "The build fetches them from npm (build/fetch-native.sh); build the project, or set Model:NativeLibraryPath to a folder that has them.");
            }

            NativeLibrary.SetDllImportResolver(typeof(LlamaRuntime).Assembly, (name, _, _) => Resolve(directory, name));
            NativeLog.Install(logger);
            GgmlApi.BackendLoadAllFromPath(directory);
            LlamaApi.BackendInit();
            s_directory = directory;
        }
    }

    /// <summary>Whether <see cref="Initialize"/> has loaded the libraries, so that the other members may be called.</summary>
    public static bool IsInitialized
    {
        get
        {
            lock (Gate)
            {
                return s_directory is not null;
            }
        }
    }

    /// <summary>The folder the libraries were loaded from.</summary>
    public static string LibraryDirectory
    {
        get
        {
            lock (Gate)
            {
                return s_directory ?? throw new InvalidOperationException("llama.cpp is not loaded yet.");
            }
        }
    }

    /// <summary>
    /// Why the dynamic loader refuses <paramref name="library"/> (a missing dependency, not a shared object), or null
    /// when it loads. ggml skips a backend plugin that fails to load, silently; this recovers the reason.
    /// </summary>
    public static string? LoadError(string library) => DynamicLoader.LoadError(library);

    public static IReadOnlyList<BackendDevice> Devices()
    {
        var devices = new List<BackendDevice>();
        var count = GgmlApi.DeviceCount();
        for (nuint i = 0; i < count; i++)
        {
            var device = GgmlApi.DeviceGet(i);
            devices.Add(Describe(device));
        }
        return devices;
    }

    public static string SystemInfo() => LlamaApi.Utf8String(LlamaApi.PrintSystemInfo()) ?? string.Empty;

    private static unsafe BackendDevice Describe(nint device)
    {
        nuint free, total;
        GgmlApi.DeviceMemory(device, &free, &total);
        return new BackendDevice(
            LlamaApi.Utf8String(GgmlApi.DeviceName(device)) ?? "?",
            LlamaApi.Utf8String(GgmlApi.DeviceDescription(device)) ?? string.Empty,
            GgmlApi.DeviceType(device),
            free,
            total);
    }

    private static nint Resolve(string directory, string libraryName) =>
        LlamaLibraryNames.Find(directory, libraryName) is { } file ? NativeLibrary.Load(file) : 0;
}
