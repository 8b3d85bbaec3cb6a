namespace LinearAlign.Native.Interop;

/// <summary>
/// The logical library names used by the imports, and how each is found in an npm package's folder: the packages
/// put the backend and version in the file name (libllama.v0.5.0.so for CPU, libllama.cuda.v0.5.0.so for CUDA).
/// </summary>
public static class LlamaLibraryNames
{
    public const string Llama = "llama";
    public const string Ggml = "ggml";
    public const string GgmlBase = "ggml-base";

    /// <summary>File name patterns; "libggml.*" does not match libggml-base.so or the libggml-cpu-* plugins.</summary>
    private static readonly Dictionary<string, string> Patterns = new()
    {
        [Llama] = "libllama.*.so",
        [Ggml] = "libggml.*.so",
        [GgmlBase] = "libggml-base.so",
    };

    public static IEnumerable<string> All => Patterns.Keys;

    /// <summary>The file for <paramref name="libraryName"/> in <paramref name="directory"/>, or null when absent.</summary>
    public static string? Find(string directory, string libraryName) =>
        Patterns.TryGetValue(libraryName, out var pattern) && Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, pattern).Order(StringComparer.Ordinal).FirstOrDefault()
            : null;

    public static string Describe(string libraryName) => Patterns[libraryName];
}
