using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace LinearAlign.Forge.Models;

/// <summary>
/// llama.cpp's vocabulary files (models/ggml-vocab-*.gguf) and chat templates (models/templates/), from the llama.cpp
/// source that npm node-llama-cpp bundles at the version whose binaries the server runs. Kept in the bench cache that
/// bench/ scripts share: ${LINEARALIGN_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linearalign/bench}.
/// </summary>
public static class VocabularyCache
{
    private const string NodeLlamaCppVersion = "3.22.1";
    private const string VocabularyPattern = "ggml-vocab-*.gguf";
    private const string BundleEntry = "package/llama/gitRelease.bundle";

    public static string Folder { get; } = Path.Combine(CacheRoot(), $"vocab-{NodeLlamaCppVersion}");

    /// <summary>Returns <see cref="Folder"/>, first filling it from the npm package if it holds no vocabulary files.</summary>
    public static string EnsureFilled()
    {
        if (Directory.Exists(Folder) && Directory.EnumerateFiles(Folder, VocabularyPattern).Any())
        {
            return Folder;
        }

        // Everything is assembled beside the folder and moved into place at the end, so an interrupted fill leaves
        // no half-filled folder behind that a later run would take for a full one.
        var work = Directory.CreateDirectory($"{Folder}.work-{Environment.ProcessId}").FullName;
        try
        {
            Console.Error.WriteLine($"forge: fetching node-llama-cpp@{NodeLlamaCppVersion} for llama.cpp's vocabulary files into {Folder}");
            Run(work, "npm", "pack", "--silent", $"node-llama-cpp@{NodeLlamaCppVersion}");
            var bundle = Path.Combine(work, "gitRelease.bundle");
            ExtractEntry(Path.Combine(work, $"node-llama-cpp-{NodeLlamaCppVersion}.tgz"), BundleEntry, bundle);
            var source = Path.Combine(work, "llama.cpp");
            Run(work, "git", "clone", "--quiet", bundle, source);

            var staged = Directory.CreateDirectory(Path.Combine(work, "vocab")).FullName;
            var models = Path.Combine(source, "models");
            CopyFiles(models, VocabularyPattern, staged);
            CopyFiles(Path.Combine(models, "templates"), "*", Directory.CreateDirectory(Path.Combine(staged, "templates")).FullName);
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
            Directory.Move(staged, Folder);
            return Folder;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Unset and empty variables both fall back to the default, as the shell's ${VAR:-default} does.</summary>
    private static string CacheRoot()
    {
        static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

        return Variable("LINEARALIGN_BENCH_CACHE")
            ?? Path.Combine(
                Variable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "linearalign",
                "bench");
    }

    private static void Run(string workingDirectory, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"forge: {program} is needed to fetch llama.cpp's vocabulary files, and could not be started: {e.Message}. Or pass --vocab-dir with a folder of ggml-vocab-*.gguf files and templates/.", e);
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"forge: '{program} {string.Join(' ', arguments)}' failed ({process.ExitCode}): {error.Result.Trim()}");
            }
        }
    }

    private static void ExtractEntry(string tarball, string entryName, string destination)
    {
        using var tar = new TarReader(new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress));
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name == entryName)
            {
                entry.ExtractToFile(destination, overwrite: false);
                return;
            }
        }
        throw new InvalidDataException($"{tarball} has no {entryName}");
    }

    private static void CopyFiles(string from, string pattern, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, pattern))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
