using System.Diagnostics.Metrics;
using LinearAlign.Native;

namespace LinearAlign.Server.Metrics;

/// <summary>The process's own gauges: backend device memory (ggml_backend_dev_memory) and resident memory.</summary>
public sealed class HostMetrics : IDisposable
{
    public const string MeterName = "LinearAlign.Server";

    public HostMetrics()
    {
        Meter = new Meter(MeterName);
        Meter.CreateObservableGauge("linearalign_device_memory_used_bytes", () => Devices(d => d.TotalBytes - d.FreeBytes), "By",
            "Backend device memory in use (total minus free). For the CPU device llama.cpp reports system memory, so this is not the server's own use.");
        Meter.CreateObservableGauge("linearalign_device_memory_free_bytes", () => Devices(d => d.FreeBytes), "By",
            "Backend device memory free. For the CPU device it is the system's free memory as llama.cpp reports it, not a limit on the server.");
        Meter.CreateObservableGauge("linearalign_device_memory_total_bytes", () => Devices(d => d.TotalBytes), "By", "Backend device memory in all.");
        Meter.CreateObservableGauge("linearalign_process_resident_memory_bytes", () => Environment.WorkingSet, "By", "Resident memory of the server process.");
    }

    public Meter Meter { get; }

    public void Dispose() => Meter.Dispose();

    private static IEnumerable<Measurement<long>> Devices(Func<BackendDevice, ulong> value) => LlamaRuntime.IsInitialized
        ? LlamaRuntime.Devices().Select(device => new Measurement<long>((long)value(device), new KeyValuePair<string, object?>("device", device.Name)))
        : [];
}
