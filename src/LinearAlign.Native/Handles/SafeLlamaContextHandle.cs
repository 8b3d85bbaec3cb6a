using System.Runtime.InteropServices;
using LinearAlign.Native.Interop;

namespace LinearAlign.Native.Handles;

/// <summary>A llama_context. It keeps its model alive: llama.cpp requires the model to outlive every context.</summary>
public sealed class SafeLlamaContextHandle : SafeHandle
{
    private readonly SafeLlamaModelHandle _model;

    public SafeLlamaContextHandle(nint context, SafeLlamaModelHandle model) : base(0, ownsHandle: true)
    {
        SetHandle(context);
        _model = model;
        var added = false;
        _model.DangerousAddRef(ref added);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.ContextFree(handle);
        _model.DangerousRelease();
        return true;
    }
}
