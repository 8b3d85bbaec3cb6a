using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Native.Tests;

/// <summary>Loads llama.cpp from the folder the build copied it to, once per test run.</summary>
public static class NativeRuntimeFixture
{
    private static readonly Lazy<bool> Loaded = new(() =>
    {
        LlamaRuntime.Initialize(LlamaRuntime.DefaultLibraryDirectory, NullLogger.Instance);
        return true;
    });

    public static void EnsureLoaded() => _ = Loaded.Value;
}
