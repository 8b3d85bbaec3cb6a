namespace LinearAlign.Engine.Options;

/// <summary>Model:Backend: where the model runs.</summary>
public enum ComputeBackend
{
    /// <summary>On CUDA GPUs when the libraries and a device are usable, otherwise on the CPU.</summary>
    Auto,

    /// <summary>On the CPU, even when GPUs are present.</summary>
    Cpu,

    /// <summary>On CUDA GPUs; start-up fails, saying why, when none is usable.</summary>
    Cuda,
}
