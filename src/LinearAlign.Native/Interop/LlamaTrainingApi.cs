using System.Runtime.InteropServices;

namespace LinearAlign.Native.Interop;

/// <summary>
/// llama.cpp's training API (llama_opt_*, with ggml-opt's datasets and results), for <c>bench train</c>. Stock
/// v0.5.0 libraries export it but train wrongly; bench/train/build-training-llama.sh builds a patched libllama.
/// </summary>
public static unsafe partial class LlamaTrainingApi
{
    [LibraryImport(LlamaLibraryNames.Llama, EntryPoint = "llama_opt_init")]
    public static partial void OptInit(nint context, nint model, LlamaOptParams parameters);

    [LibraryImport(LlamaLibraryNames.Llama, EntryPoint = "llama_opt_epoch")]
    public static partial void OptEpoch(nint context, nint dataset, nint resultTrain, nint resultEval, long splitIndex,
        delegate* unmanaged[Cdecl]<byte, nint, nint, nint, long, long, long, void> callbackTrain,
        delegate* unmanaged[Cdecl]<byte, nint, nint, nint, long, long, long, void> callbackEval);

    [LibraryImport(LlamaLibraryNames.Llama, EntryPoint = "llama_model_save_to_file", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void ModelSaveToFile(nint model, string path);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_dataset_init")]
    public static partial nint DatasetInit(int dataType, int labelType, long elementsPerDatapoint, long elementsPerLabel, long count, long shardSize);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_dataset_free")]
    public static partial void DatasetFree(nint dataset);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_dataset_data")]
    public static partial nint DatasetData(nint dataset);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_dataset_labels")]
    public static partial nint DatasetLabels(nint dataset);

    /// <summary>A CPU tensor's data; the dataset's tensors live in host memory.</summary>
    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_get_data")]
    public static partial void* TensorData(nint tensor);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_result_init")]
    public static partial nint ResultInit();

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_result_free")]
    public static partial void ResultFree(nint result);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_result_reset")]
    public static partial void ResultReset(nint result);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_result_loss")]
    public static partial void ResultLoss(nint result, double* loss, double* uncertainty);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_result_ndata")]
    public static partial void ResultCount(nint result, long* count);

    [LibraryImport(LlamaLibraryNames.GgmlBase, EntryPoint = "ggml_opt_result_accuracy")]
    public static partial void ResultAccuracy(nint result, double* accuracy, double* uncertainty);

    /// <summary>ggml_type GGML_TYPE_I32, the type of token datasets.</summary>
    public const int GgmlTypeI32 = 26;

    /// <summary>ggml_type GGML_TYPE_F32: weights and KV cache are trained in full precision (OUT_PROD has no F16 path).</summary>
    public const int GgmlTypeF32 = 0;

    /// <summary>ggml_opt_optimizer_type GGML_OPT_OPTIMIZER_TYPE_ADAMW.</summary>
    public const int OptimizerAdamW = 0;
}

/// <summary>llama_opt_params (llama.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaOptParams
{
    public uint TrainingContextLength;

    /// <summary>bool (*)(const ggml_tensor *, void *): whether a tensor is trained.</summary>
    public nint ParamFilter;
    public nint ParamFilterUserData;

    /// <summary>ggml_opt_optimizer_params (*)(void *): asked before every optimizer step.</summary>
    public nint GetOptimizerParams;
    public nint GetOptimizerParamsUserData;
    public int OptimizerType;
}

/// <summary>ggml_opt_optimizer_params (ggml-opt.h): AdamW's settings, then SGD's.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GgmlOptOptimizerParams
{
    public float AdamLearningRate;
    public float AdamBeta1;
    public float AdamBeta2;
    public float AdamEpsilon;
    public float AdamWeightDecay;
    public float SgdLearningRate;
    public float SgdWeightDecay;
}
