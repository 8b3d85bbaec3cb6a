using System.Collections.Concurrent;
using LinearAlign.Forge.Models;

namespace LinearAlign.TestFixtures;

/// <summary>
/// Forged models shared by every test in the process: each spec is written once, on first use, into a folder of
/// this process's own, which is deleted when the process exits. Safe to use from tests running in parallel.
/// </summary>
public static class TinyModels
{
    private static readonly ConcurrentDictionary<ForgeSpec, Lazy<string>> Written = new();
    private static int _fileCount;

    static TinyModels()
    {
        Folder = Path.Combine(Path.GetTempPath(), "linearalign-tests", Environment.ProcessId.ToString());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteFolder();
    }

    /// <summary>The folder the models are written to, unique to this process.</summary>
    public static string Folder { get; }

    /// <summary>Tiny shape, F32 weights, seed 1234, ChatML template.</summary>
    public static string Default => For(new ForgeSpec(LlamaShape.Tiny));

    /// <summary>The path of the model for <paramref name="spec"/>, writing it first if no test has asked for it yet.</summary>
    public static string For(ForgeSpec spec) => Written.GetOrAdd(spec, s => new Lazy<string>(() => Forge(s))).Value;

    private static string Forge(ForgeSpec spec)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, $"{spec.Name}-{Interlocked.Increment(ref _fileCount)}.gguf");
        ModelForge.Write(path, spec);
        return path;
    }

    private static void DeleteFolder()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file still mapped by a native library, or a folder never created, is left behind.
        }
    }
}
