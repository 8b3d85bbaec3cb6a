using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;

namespace LinearAlign.Native.Handles;

/// <summary>
/// A persistent ggml CPU threadpool. Without one attached, ggml starts and joins its worker threads on every
/// llama_decode; with one, the workers stay up between steps (as llama-server does). The CPU backend is a plugin,
/// so its threadpool functions are looked up through the backend registry.
/// </summary>
public sealed unsafe class SafeGgmlThreadpoolHandle : SafeHandle
{
    private readonly delegate* unmanaged[Cdecl]<nint, void> _free;

    private SafeGgmlThreadpoolHandle(nint threadpool, delegate* unmanaged[Cdecl]<nint, void> free) : base(0, ownsHandle: true)
    {
        _free = free;
        SetHandle(threadpool);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>A threadpool of <paramref name="threads"/> threads, or null when the CPU backend offers none.</summary>
    public static SafeGgmlThreadpoolHandle? Create(int threads)
    {
        var device = GgmlApi.DeviceByType(GgmlBackendDeviceType.Cpu);
        if (device == 0)
        {
            return null;
        }
        var registry = GgmlApi.DeviceBackendRegistry(device);
        var create = (delegate* unmanaged[Cdecl]<GgmlThreadpoolParams*, nint>)GgmlApi.RegistryProcAddress(registry, "ggml_threadpool_new");
        var free = (delegate* unmanaged[Cdecl]<nint, void>)GgmlApi.RegistryProcAddress(registry, "ggml_threadpool_free");
        if (create == null || free == null)
        {
            return null;
        }
        GgmlThreadpoolParams parameters;
        GgmlApi.ThreadpoolParamsInit(&parameters, threads);
        // Idle workers sleep instead of spin-polling for the next graph: a polling worker takes a core from every
        // other thread (the reader, the web server, another context's workers) for a long while after each step,
        // which cost up to 20% of plain decode speed here, more than the wake-up it saves.
        parameters.Poll = 0;
        var threadpool = create(&parameters);
        return threadpool == 0 ? null : new SafeGgmlThreadpoolHandle(threadpool, free);
    }

    protected override bool ReleaseHandle()
    {
        _free(handle);
        return true;
    }
}
