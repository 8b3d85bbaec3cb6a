using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// The llama_context the engine decodes with: one unified KV cache of Model:ContextSize cells shared by all
/// Engine:MaxSequences sequences (partial-range seq_cp needs it), physical batch = logical batch, and a persistent
/// CPU threadpool attached, so ggml's workers are not started and joined on every step.
/// </summary>
public sealed class EngineContext : IDisposable
{
    private readonly SafeGgmlThreadpoolHandle? _threadpool;

    private EngineContext(SafeLlamaContextHandle handle, SafeGgmlThreadpoolHandle? threadpool)
    {
        Handle = handle;
        _threadpool = threadpool;
    }

    public SafeLlamaContextHandle Handle { get; }

    public static EngineContext Create(LlamaModel model, ModelOptions modelOptions, EngineOptions engineOptions)
    {
        var parameters = LlamaApi.ContextDefaultParams();
        parameters.ContextSize = (uint)modelOptions.ContextSize;
        parameters.BatchSize = (uint)modelOptions.BatchSize;
        parameters.MicroBatchSize = (uint)modelOptions.BatchSize;
        parameters.MaxSequences = (uint)engineOptions.MaxSequences;
        parameters.Threads = modelOptions.EffectiveThreads;
        parameters.BatchThreads = modelOptions.EffectiveThreads;
        parameters.KvUnified = 1;
        parameters.NoPerf = 1;
        var pointer = LlamaApi.InitFromModel(model.Handle, parameters);
        if (pointer == 0)
        {
            throw new InvalidOperationException(
                $"llama.cpp could not create a context (n_ctx={modelOptions.ContextSize}, n_batch={modelOptions.BatchSize}, n_seq_max={engineOptions.MaxSequences}); see the log above.");
        }
        var handle = new SafeLlamaContextHandle(pointer, model.Handle);

        var threadpool = SafeGgmlThreadpoolHandle.Create(modelOptions.EffectiveThreads);
        if (threadpool is not null)
        {
            LlamaApi.AttachThreadpool(handle, threadpool, threadpool);
        }
        return new EngineContext(handle, threadpool);
    }

    public void Dispose()
    {
        // The context uses the threadpool until it is freed.
        Handle.Dispose();
        _threadpool?.Dispose();
    }
}
