using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;

namespace LinearAlign.Native.Handles;

/// <summary>A llama_sampler (usually a chain, which owns the samplers added to it).</summary>
public sealed class SafeLlamaSamplerHandle : SafeHandle
{
    public SafeLlamaSamplerHandle(nint sampler) : base(0, ownsHandle: true) => SetHandle(sampler);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.SamplerFree(handle);
        return true;
    }
}
