namespace LinearAlign.Bench.Sweep;

/// <summary>What a server has in use, from its /metrics; null for what it does not report.</summary>
/// <param name="KvCellsUsed">linearalign_kv_cells_used: KV cache cells holding tokens of running requests.</param>
/// <param name="DeviceMemoryUsedBytes">linearalign_device_memory_used_bytes summed over the accelerators; none on a CPU-only server.</param>
public sealed record ServerUsage(double? KvCellsUsed, double? DeviceMemoryUsedBytes)
{
    public const string KvCellsUsedMetric = "linearalign_kv_cells_used";

    public const string DeviceMemoryUsedMetric = "linearalign_device_memory_used_bytes";

    /// <summary>
    /// ggml's name for the CPU device, which a server lists beside its GPUs: llama.cpp reports the system's memory for
    /// it (or nothing in use at all), which says nothing of the server's own use.
    /// </summary>
    public const string CpuDevice = "CPU";

    public static ServerUsage None { get; } = new(null, null);

    public static ServerUsage Of(string exposition) => new(
        PrometheusSamples.Sum(exposition, KvCellsUsedMetric),
        PrometheusSamples.Sum(exposition, DeviceMemoryUsedMetric, labels => labels.GetValueOrDefault("device") != CpuDevice));

    /// <summary>The larger of each measure, where either has it: a scrape that lacks a measure leaves the peak as it was.</summary>
    public ServerUsage Max(ServerUsage other) =>
        new(Larger(KvCellsUsed, other.KvCellsUsed), Larger(DeviceMemoryUsedBytes, other.DeviceMemoryUsedBytes));

    private static double? Larger(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
