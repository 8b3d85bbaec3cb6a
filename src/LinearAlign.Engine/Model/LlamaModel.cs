using System.Runtime.InteropServices;
using System.Text;
using LinearAlign.Engine.Options;
using LinearAlign.Native;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Engine.Model;

/// <summary>
/// A loaded GGUF model and its vocabulary. Tokenizing and detokenizing only read the vocabulary, so they are
/// safe from any thread; contexts (which are not) belong to the inference loop.
/// </summary>
public sealed unsafe class LlamaModel : IDisposable
{
    private readonly nint _vocab;

    private LlamaModel(SafeLlamaModelHandle handle, ModelInfo info, ComputePlacement placement)
    {
        Handle = handle;
        Info = info;
        Placement = placement;
        _vocab = LlamaApi.ModelGetVocab(handle);
        VocabularySize = LlamaApi.VocabTokenCount(_vocab);
        ChatTemplate = LlamaApi.Utf8String(LlamaApi.ModelChatTemplate(handle, null));
        EndOfGenerationTokens = [.. Enumerable.Range(0, VocabularySize).Where(IsEndOfGeneration)];
    }

    /// <summary>Every token that ends generation (EOS, EOT, end-of-turn markers), for requests that forbid them.</summary>
    public int[] EndOfGenerationTokens { get; }

    public SafeLlamaModelHandle Handle { get; }

    public ModelInfo Info { get; }

    /// <summary>The devices the model runs on.</summary>
    public ComputePlacement Placement { get; }

    public int VocabularySize { get; }

    /// <summary>llama.cpp's vocabulary, for samplers that read token texts (the grammar sampler); lives as long as the model.</summary>
    internal nint Vocabulary => _vocab;

    /// <summary>Whether llama.cpp parses <paramref name="grammar"/> (GBNF with a <c>root</c> rule).</summary>
    public bool ParsesGrammar(string grammar)
    {
        var sampler = LlamaApi.SamplerInitGrammar(_vocab, grammar, "root");
        if (sampler == 0)
        {
            return false;
        }
        LlamaApi.SamplerFree(sampler);
        return true;
    }

    /// <summary>The chat template stored in the GGUF file, if any.</summary>
    public string? ChatTemplate { get; }

    /// <summary>
    /// Loads <paramref name="path"/> onto the devices Model:Backend selects (<see cref="ComputePlacement"/>); llama.cpp
    /// must have been initialised (<see cref="LlamaRuntime.Initialize"/>). A malformed principles declaration is only
    /// a warning to <paramref name="logger"/>: the model serves the same without it.
    /// </summary>
    public static unsafe LlamaModel Load(string path, ModelOptions options, ILogger? logger = null)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ModelLoadException($"Model file not found: {fullPath}. Set Model:Path to an existing GGUF file.");
        }
        var placement = ComputePlacement.Select(options, LlamaRuntime.LibraryDirectory, LlamaRuntime.Devices(), LlamaRuntime.LoadError);

        var parameters = LlamaApi.ModelDefaultParams();
        // An empty device list keeps every layer and the KV cache on the CPU, even with a GPU backend loaded.
        var noGpu = stackalloc nint[1];
        if (placement.OnGpu)
        {
            parameters.GpuLayerCount = options.GpuLayers;
            if (options.MainGpu is { } main)
            {
                parameters.SplitMode = LlamaApi.SplitModeNone;
                parameters.MainGpu = main;
            }
        }
        else
        {
            parameters.GpuLayerCount = 0;
            parameters.Devices = (nint)noGpu;
        }
        nint pointer;
        using (var capture = NativeLog.CaptureErrors())
        {
            pointer = LlamaApi.ModelLoadFromFile(fullPath, parameters);
            if (pointer == 0)
            {
                var reason = capture.Errors.Count > 0 ? string.Join("; ", capture.Errors) : "llama.cpp gave no reason";
                throw new ModelLoadException($"Could not load model {fullPath}: {reason}");
            }
        }

        var handle = new SafeLlamaModelHandle(pointer);
        var architecture = MetadataValue(handle, "general.architecture") ?? "unknown";
        var alias = string.IsNullOrWhiteSpace(options.Alias) ? System.IO.Path.GetFileNameWithoutExtension(fullPath) : options.Alias;
        var vocab = LlamaApi.ModelGetVocab(handle);
        var info = new ModelInfo(
            alias,
            fullPath,
            architecture,
            Description(handle),
            LlamaApi.ModelParameterCount(handle),
            LlamaApi.ModelSizeBytes(handle),
            LlamaApi.ModelTrainingContextLength(handle),
            LlamaApi.ModelEmbeddingLength(handle),
            LlamaApi.ModelLayerCount(handle),
            LlamaApi.VocabTokenCount(vocab),
            Principles(handle, logger ?? NullLogger.Instance));
        return new LlamaModel(handle, info, placement);
    }

    public bool IsEndOfGeneration(int token) => LlamaApi.VocabIsEndOfGeneration(_vocab, token);

    /// <summary>Tokenizes text, adding the model's special tokens (BOS) unless told not to, and parsing special-token text such as &lt;|im_start|&gt;.</summary>
    public int[] Tokenize(string text, bool addSpecial = true)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var tokens = new int[utf8.Length + 8];
        fixed (byte* textPointer = utf8)
        {
            while (true)
            {
                int count;
                fixed (int* tokenPointer = tokens)
                {
                    count = LlamaApi.Tokenize(_vocab, textPointer, utf8.Length, tokenPointer, tokens.Length, addSpecial, parseSpecial: true);
                }
                if (count >= 0)
                {
                    return tokens.AsSpan(0, count).ToArray();
                }
                if (count == int.MinValue)
                {
                    throw new InvalidOperationException("The text is too long to tokenize.");
                }
                tokens = new int[-count];
            }
        }
    }

    /// <summary>
    /// Writes the UTF-8 bytes of one token's text into <paramref name="destination"/> and returns how many were
    /// written, or the negated size needed when it is too small. Control tokens render as nothing unless
    /// <paramref name="renderSpecial"/> asks for their text.
    /// </summary>
    public int TokenToPiece(int token, Span<byte> destination, bool renderSpecial = false)
    {
        fixed (byte* buffer = destination)
        {
            return LlamaApi.TokenToPiece(_vocab, token, buffer, destination.Length, leftStrip: 0, special: renderSpecial);
        }
    }

    /// <summary>
    /// The UTF-8 bytes of <paramref name="tokens"/>' text with special tokens rendered, as llama.cpp joins them: the
    /// space a tokenizer adds in front of the text is taken off again.
    /// </summary>
    public byte[] Detokenize(ReadOnlySpan<int> tokens)
    {
        var text = new byte[tokens.Length * 8 + 16];
        fixed (int* tokenPointer = tokens)
        {
            while (true)
            {
                int length;
                fixed (byte* textPointer = text)
                {
                    length = LlamaApi.Detokenize(_vocab, tokenPointer, tokens.Length, textPointer, text.Length, removeSpecial: false, unparseSpecial: true);
                }
                if (length >= 0)
                {
                    return text.AsSpan(0, length).ToArray();
                }
                text = new byte[-length];
            }
        }
    }

    public string TokenText(int token) => LlamaApi.Utf8String(LlamaApi.VocabTokenText(_vocab, token)) ?? string.Empty;

    /// <summary>
    /// Renders chat messages with a llama.cpp chat template (the model's own when <paramref name="template"/> is null,
    /// else a built-in template name or template text). Returns null when llama.cpp does not support the template.
    /// </summary>
    public string? ApplyChatTemplate(string? template, IReadOnlyList<(string Role, string Content)> messages, bool addAssistantPrompt)
    {
        var template8 = template is null ? null : NullTerminated(template);
        var strings = new List<GCHandle>(messages.Count * 2);
        var chat = new LlamaChatMessage[messages.Count];
        try
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var role = GCHandle.Alloc(NullTerminated(messages[i].Role), GCHandleType.Pinned);
                var content = GCHandle.Alloc(NullTerminated(messages[i].Content), GCHandleType.Pinned);
                strings.Add(role);
                strings.Add(content);
                chat[i] = new LlamaChatMessage { Role = (byte*)role.AddrOfPinnedObject(), Content = (byte*)content.AddrOfPinnedObject() };
            }

            var totalContent = messages.Sum(m => m.Content.Length + m.Role.Length);
            var buffer = new byte[Math.Max(256, totalContent * 2 + 512)];
            while (true)
            {
                int length;
                fixed (byte* templatePointer = template8)
                fixed (LlamaChatMessage* chatPointer = chat)
                fixed (byte* bufferPointer = buffer)
                {
                    var templateArgument = template8 is null ? LlamaApi.ModelChatTemplate(Handle, null) : (nint)templatePointer;
                    if (templateArgument == 0)
                    {
                        return null;
                    }
                    length = LlamaApi.ChatApplyTemplate((byte*)templateArgument, chatPointer, (nuint)chat.Length, addAssistantPrompt, bufferPointer, buffer.Length);
                }
                if (length < 0)
                {
                    return null;
                }
                if (length <= buffer.Length)
                {
                    return Encoding.UTF8.GetString(buffer, 0, length);
                }
                buffer = new byte[length];
            }
        }
        finally
        {
            foreach (var handle in strings)
            {
                handle.Free();
            }
        }
    }

    public void Dispose() => Handle.Dispose();

    private static byte[] NullTerminated(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static string? MetadataValue(SafeLlamaModelHandle handle, string key)
    {
        var buffer = new byte[512];
        while (true)
        {
            int length;
            fixed (byte* pointer = buffer)
            {
                length = LlamaApi.ModelMetadataValue(handle, key, pointer, (nuint)buffer.Length);
            }
            if (length < 0)
            {
                return null;
            }
            if (length < buffer.Length)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
            // The answer is snprintf's, the whole value's length: the buffer held a truncated copy.
            buffer = new byte[length + 1];
        }
    }

    private static IReadOnlyList<ModelPrinciple>? Principles(SafeLlamaModelHandle handle, ILogger logger)
    {
        if (MetadataValue(handle, ModelPrinciple.MetadataKey) is not { } json)
        {
            return null;
        }
        try
        {
            return ModelPrinciple.ParseList(json);
        }
        catch (FormatException e)
        {
            logger.LogWarning("Ignoring the model's {Key} metadata: {Reason}", ModelPrinciple.MetadataKey, e.Message);
            return null;
        }
    }

    private static string Description(SafeLlamaModelHandle handle)
    {
        Span<byte> buffer = stackalloc byte[256];
        fixed (byte* pointer = buffer)
        {
            var length = LlamaApi.ModelDescription(handle, pointer, (nuint)buffer.Length);
            return length < 0 ? string.Empty : Encoding.UTF8.GetString(buffer[..Math.Min(length, buffer.Length - 1)]);
        }
    }
}
