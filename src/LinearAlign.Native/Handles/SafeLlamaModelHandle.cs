using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;

namespace LinearAlign.Native.Handles;

public sealed class SafeLlamaModelHandle : SafeHandle
{
    public SafeLlamaModelHandle(nint model) : base(0, ownsHandle: true) => SetHandle(model);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.ModelFree(handle);
        return true;
    }
}
