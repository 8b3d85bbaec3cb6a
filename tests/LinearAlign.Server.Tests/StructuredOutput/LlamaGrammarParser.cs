using LinearAlign.Native;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using LinearAlign.TestFixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Server.Tests.StructuredOutput;

/// <summary>
/// llama.cpp's own grammar parser, through the sampler the engine builds from a grammar: the judge of whether a
/// grammar the converter writes is one llama.cpp accepts. One tiny model is loaded for the whole test run, for its vocabulary.
/// </summary>
public static class LlamaGrammarParser
{
    private static readonly Lazy<(SafeLlamaModelHandle Model, nint Vocab)> Loaded = new(Load);

    /// <summary>null where llama.cpp parses <paramref name="grammar"/> with root rule <c>root</c>, else its error lines.</summary>
    public static string? ErrorOf(string grammar)
    {
        var vocab = Loaded.Value.Vocab;
        using var capture = NativeLog.CaptureErrors();
        nint sampler = LlamaApi.SamplerInitGrammar(vocab, grammar, "root");
        if (sampler == 0)
        {
            return capture.Errors.Count > 0 ? string.Join("\n", capture.Errors) : "llama.cpp refused the grammar";
        }
        LlamaApi.SamplerFree(sampler);
        return null;
    }

    private static (SafeLlamaModelHandle, nint) Load()
    {
        // The server tests' hosts initialise llama.cpp with their own logger; only where none has yet is it done here.
        if (!LlamaRuntime.IsInitialized)
        {
            LlamaRuntime.Initialize(LlamaRuntime.DefaultLibraryDirectory, NullLogger.Instance);
        }
        var model = new SafeLlamaModelHandle(LlamaApi.ModelLoadFromFile(TinyModels.Default, LlamaApi.ModelDefaultParams()));
        if (model.IsInvalid)
        {
            throw new InvalidOperationException($"llama.cpp could not load {TinyModels.Default}");
        }
        return (model, LlamaApi.ModelGetVocab(model));
    }
}
