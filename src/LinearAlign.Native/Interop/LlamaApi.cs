using System.Runtime.InteropServices;
using LinearAlign.Native.Handles;

namespace LinearAlign.Native.Interop;

/// <summary>The part of llama.cpp's C API that the engine uses, and nothing more.</summary>
public static unsafe partial class LlamaApi
{
    private const string Lib = LlamaLibraryNames.Llama;

    [LibraryImport(Lib, EntryPoint = "llama_backend_init")]
    public static partial void BackendInit();

    [LibraryImport(Lib, EntryPoint = "llama_log_set")]
    public static partial void LogSet(delegate* unmanaged[Cdecl]<GgmlLogLevel, byte*, void*, void> callback, void* userData);

    [LibraryImport(Lib, EntryPoint = "llama_print_system_info")]
    public static partial nint PrintSystemInfo();

    // Model

    /// <summary>llama_split_mode LLAMA_SPLIT_MODE_NONE: the whole model on LlamaModelParams.MainGpu.</summary>
    public const int SplitModeNone = 0;

    [LibraryImport(Lib, EntryPoint = "llama_model_default_params")]
    public static partial LlamaModelParams ModelDefaultParams();

    [LibraryImport(Lib, EntryPoint = "llama_model_load_from_file", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ModelLoadFromFile(string path, LlamaModelParams parameters);

    [LibraryImport(Lib, EntryPoint = "llama_model_free")]
    public static partial void ModelFree(nint model);

    [LibraryImport(Lib, EntryPoint = "llama_model_get_vocab")]
    public static partial nint ModelGetVocab(SafeLlamaModelHandle model);

    [LibraryImport(Lib, EntryPoint = "llama_model_n_ctx_train")]
    public static partial int ModelTrainingContextLength(SafeLlamaModelHandle model);

    [LibraryImport(Lib, EntryPoint = "llama_model_n_embd")]
    public static partial int ModelEmbeddingLength(SafeLlamaModelHandle model);

    [LibraryImport(Lib, EntryPoint = "llama_model_n_layer")]
    public static partial int ModelLayerCount(SafeLlamaModelHandle model);

    [LibraryImport(Lib, EntryPoint = "llama_model_n_params")]
    public static partial ulong ModelParameterCount(SafeLlamaModelHandle model);

    [LibraryImport(Lib, EntryPoint = "llama_model_size")]
    public static partial ulong ModelSizeBytes(SafeLlamaModelHandle model);

    [LibraryImport(Lib, EntryPoint = "llama_model_desc")]
    public static partial int ModelDescription(SafeLlamaModelHandle model, byte* buffer, nuint bufferSize);

    [LibraryImport(Lib, EntryPoint = "llama_model_meta_val_str", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModelMetadataValue(SafeLlamaModelHandle model, string key, byte* buffer, nuint bufferSize);

    [LibraryImport(Lib, EntryPoint = "llama_model_chat_template", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ModelChatTemplate(SafeLlamaModelHandle model, string? name);

    // Vocabulary (the vocab pointer lives as long as its model)

    [LibraryImport(Lib, EntryPoint = "llama_vocab_n_tokens")]
    public static partial int VocabTokenCount(nint vocab);

    [LibraryImport(Lib, EntryPoint = "llama_vocab_is_eog")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool VocabIsEndOfGeneration(nint vocab, int token);

    [LibraryImport(Lib, EntryPoint = "llama_vocab_get_text")]
    public static partial nint VocabTokenText(nint vocab, int token);

    [LibraryImport(Lib, EntryPoint = "llama_tokenize")]
    public static partial int Tokenize(nint vocab, byte* text, int textLength, int* tokens, int maxTokens,
        [MarshalAs(UnmanagedType.U1)] bool addSpecial, [MarshalAs(UnmanagedType.U1)] bool parseSpecial);

    [LibraryImport(Lib, EntryPoint = "llama_token_to_piece")]
    public static partial int TokenToPiece(nint vocab, int token, byte* buffer, int length, int leftStrip,
        [MarshalAs(UnmanagedType.U1)] bool special);

    /// <summary>Returns the bytes written, or the negated size needed when <paramref name="length"/> is too small.</summary>
    [LibraryImport(Lib, EntryPoint = "llama_detokenize")]
    public static partial int Detokenize(nint vocab, int* tokens, int tokenCount, byte* text, int length,
        [MarshalAs(UnmanagedType.U1)] bool removeSpecial, [MarshalAs(UnmanagedType.U1)] bool unparseSpecial);

    [LibraryImport(Lib, EntryPoint = "llama_chat_apply_template")]
    public static partial int ChatApplyTemplate(byte* template, LlamaChatMessage* messages, nuint messageCount,
        [MarshalAs(UnmanagedType.U1)] bool addAssistant, byte* buffer, int length);

    // Context

    [LibraryImport(Lib, EntryPoint = "llama_context_default_params")]
    public static partial LlamaContextParams ContextDefaultParams();

    [LibraryImport(Lib, EntryPoint = "llama_init_from_model")]
    public static partial nint InitFromModel(SafeLlamaModelHandle model, LlamaContextParams parameters);

    [LibraryImport(Lib, EntryPoint = "llama_attach_threadpool")]
    public static partial void AttachThreadpool(SafeLlamaContextHandle context, SafeGgmlThreadpoolHandle threadpool, SafeGgmlThreadpoolHandle batchThreadpool);

    [LibraryImport(Lib, EntryPoint = "llama_free")]
    public static partial void ContextFree(nint context);

    [LibraryImport(Lib, EntryPoint = "llama_get_memory")]
    public static partial nint GetMemory(SafeLlamaContextHandle context);

    [LibraryImport(Lib, EntryPoint = "llama_memory_seq_rm")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool MemorySequenceRemove(nint memory, int sequence, int fromPosition, int toPosition);

    [LibraryImport(Lib, EntryPoint = "llama_memory_seq_cp")]
    public static partial void MemorySequenceCopy(nint memory, int source, int destination, int fromPosition, int toPosition);

    [LibraryImport(Lib, EntryPoint = "llama_memory_seq_pos_max")]
    public static partial int MemorySequenceMaxPosition(nint memory, int sequence);

    [LibraryImport(Lib, EntryPoint = "llama_batch_init")]
    public static partial LlamaBatch BatchInit(int maxTokens, int embeddingLength, int maxSequencesPerToken);

    [LibraryImport(Lib, EntryPoint = "llama_batch_free")]
    public static partial void BatchFree(LlamaBatch batch);

    /// <summary>0 = success; 1 = no KV slot for the batch; 2 = aborted; negative = error.</summary>
    [LibraryImport(Lib, EntryPoint = "llama_decode")]
    public static partial int Decode(SafeLlamaContextHandle context, LlamaBatch batch);

    [LibraryImport(Lib, EntryPoint = "llama_get_logits_ith")]
    public static partial float* GetLogitsIth(SafeLlamaContextHandle context, int index);

    // Samplers

    [LibraryImport(Lib, EntryPoint = "llama_sampler_chain_default_params")]
    public static partial LlamaSamplerChainParams SamplerChainDefaultParams();

    [LibraryImport(Lib, EntryPoint = "llama_sampler_chain_init")]
    public static partial nint SamplerChainInit(LlamaSamplerChainParams parameters);

    /// <summary>The chain takes ownership of <paramref name="sampler"/>.</summary>
    [LibraryImport(Lib, EntryPoint = "llama_sampler_chain_add")]
    public static partial void SamplerChainAdd(SafeLlamaSamplerHandle chain, nint sampler);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_free")]
    public static partial void SamplerFree(nint sampler);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_apply")]
    public static partial void SamplerApply(SafeLlamaSamplerHandle sampler, LlamaTokenDataArray* candidates);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_accept")]
    public static partial void SamplerAccept(SafeLlamaSamplerHandle sampler, int token);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_sample")]
    public static partial int SamplerSample(SafeLlamaSamplerHandle sampler, SafeLlamaContextHandle context, int index);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_greedy")]
    public static partial nint SamplerInitGreedy();

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_dist")]
    public static partial nint SamplerInitDistribution(uint seed);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_top_k")]
    public static partial nint SamplerInitTopK(int k);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_top_p")]
    public static partial nint SamplerInitTopP(float p, nuint minKeep);

    /// <summary>A sampler that leaves only the tokens a GBNF grammar allows next; 0 when the grammar does not parse.</summary>
    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_grammar", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint SamplerInitGrammar(nint vocab, string grammar, string root);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_min_p")]
    public static partial nint SamplerInitMinP(float p, nuint minKeep);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_temp")]
    public static partial nint SamplerInitTemperature(float temperature);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_penalties")]
    public static partial nint SamplerInitPenalties(int vocabSize, int lastN, float repeat, float frequency, float presence);

    [LibraryImport(Lib, EntryPoint = "llama_sampler_init_logit_bias")]
    public static partial nint SamplerInitLogitBias(int vocabSize, int count, LlamaLogitBias* biases);

    public static string? Utf8String(nint pointer) => pointer == 0 ? null : Marshal.PtrToStringUTF8(pointer);
}

/// <summary>ggml's device registry: backend plugins (CPU variants, CUDA) and their memory.</summary>
public static unsafe partial class GgmlApi
{
    [LibraryImport(LlamaLibraryNames.Ggml, EntryPoint = "ggml_backend_load_all_from_path", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void BackendLoadAllFromPath(string directory);

    [LibraryImport(LlamaLibraryNames.Ggml, EntryPoint = "ggml_backend_dev_count")]
    public static partial nuint DeviceCount();

    [LibraryImport(LlamaLibraryNames.Ggml, EntryPoint = "ggml_backend_dev_get")]
    public static partial nint DeviceGet(nuint index);

    [LibraryImport(LlamaLibraryNames.Ggml, EntryPoint = "ggml_backend_dev_by_type")]
    public static partial nint DeviceByType(GgmlBackendDeviceType type);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_backend_dev_backend_reg")]
    public static partial nint DeviceBackendRegistry(nint device);

    /// <summary>Functions a backend plugin exports only through its registry, e.g. the CPU backend's ggml_threadpool_new.</summary>
    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_backend_reg_get_proc_address", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint RegistryProcAddress(nint registry, string name);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_threadpool_params_init")]
    public static partial void ThreadpoolParamsInit(GgmlThreadpoolParams* parameters, int threads);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_backend_dev_name")]
    public static partial nint DeviceName(nint device);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_backend_dev_description")]
    public static partial nint DeviceDescription(nint device);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_backend_dev_memory")]
    public static partial void DeviceMemory(nint device, nuint* free, nuint* total);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_backend_dev_type")]
    public static partial GgmlBackendDeviceType DeviceType(nint device);
}
