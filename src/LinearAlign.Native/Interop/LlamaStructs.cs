using System.Runtime.InteropServices;

namespace LinearAlign.Native.Interop;

// Layouts follow include/llama.h of llama.cpp release v0.5.0 (x86-64 SysV). C bool is one byte; enums are int.
// Sizes are asserted by tests, since a header change silently shifts every field after it.

[StructLayout(LayoutKind.Sequential)]
public struct LlamaModelParams
{
    public nint Devices;
    public nint TensorBufferTypeOverrides;
    public int GpuLayerCount;
    public int SplitMode;
    public int LoadMode;
    public int LazyMode;
    public int MainGpu;
    public nint TensorSplit;
    public nint ProgressCallback;
    public nint ProgressCallbackUserData;
    public nint KvOverrides;
    public byte VocabOnly;
    public byte CheckTensors;
    public byte UseExtraBufferTypes;
    public byte NoHost;
    public byte NoAlloc;
    public byte LoadMtp;
}

[StructLayout(LayoutKind.Sequential)]
public struct LlamaContextParams
{
    public uint ContextSize;
    public uint BatchSize;
    public uint MicroBatchSize;
    public uint MaxSequences;
    public uint RecurrentStateSnapshots;
    public uint MaxOutputs;
    public uint MaxOutputsPerSequence;
    public int Threads;
    public int BatchThreads;
    public int ContextType;
    public int RopeScalingType;
    public int PoolingType;
    public int AttentionType;
    public int FlashAttentionType;
    public float RopeFrequencyBase;
    public float RopeFrequencyScale;
    public float YarnExtFactor;
    public float YarnAttnFactor;
    public float YarnBetaFast;
    public float YarnBetaSlow;
    public uint YarnOriginalContext;
    public float DefragThreshold;
    public nint EvalCallback;
    public nint EvalCallbackUserData;
    public int TypeK;
    public int TypeV;
    public nint AbortCallback;
    public nint AbortCallbackData;
    public byte Embeddings;
    public byte OffloadKqv;
    public byte NoPerf;
    public byte OpOffload;
    public byte SwaFull;
    public byte KvUnified;
    public nint Samplers;
    public nuint SamplerCount;
    public nint OtherContext;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaBatch
{
    public int TokenCount;
    public int* Tokens;
    public float* Embeddings;
    public int* Positions;
    public int* SequenceIdCounts;
    public int** SequenceIds;
    public sbyte* Outputs;
}

[StructLayout(LayoutKind.Sequential)]
public struct LlamaTokenData
{
    public int Id;
    public float Logit;
    public float Probability;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaTokenDataArray
{
    public LlamaTokenData* Data;
    public nuint Size;
    public long Selected;
    public byte Sorted;
}

[StructLayout(LayoutKind.Sequential)]
public struct LlamaSamplerChainParams
{
    public byte NoPerf;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaChatMessage
{
    public byte* Role;
    public byte* Content;
}

[StructLayout(LayoutKind.Sequential)]
public struct LlamaLogitBias
{
    public int Token;
    public float Bias;
}

/// <summary>ggml_threadpool_params (ggml.h): 512 CPU-mask flags, then the settings.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GgmlThreadpoolParams
{
    public fixed byte CpuMask[512];
    public int Threads;
    public int Priority;
    public uint Poll;
    public byte StrictCpu;
    public byte Paused;
}

public enum GgmlLogLevel
{
    None = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Continue = 5,
}

public enum GgmlBackendDeviceType
{
    Cpu = 0,
    Gpu = 1,
    IntegratedGpu = 2,
    Accelerator = 3,
}
