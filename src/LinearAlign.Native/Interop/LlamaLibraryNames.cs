namespace LinearAlign.Native.Interop;

/// <summary>The logical library names used by the imports, and the file each maps to in the npm package.</summary>
public static class LlamaLibraryNames
{
    public const string Llama = "llama";
    public const string Ggml = "ggml";
    public const string GgmlBase = "ggml-base";

    public static readonly IReadOnlyDictionary<string, string> Files = new Dictionary<string, string>
    {
        [Llama] = "libllama.v0.5.0.so",
        [Ggml] = "libggml.v0.5.0.so",
        [GgmlBase] = "libggml-base.so",
    };
}
