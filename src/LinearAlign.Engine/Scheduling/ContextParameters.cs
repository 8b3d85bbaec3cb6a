using LinearAlign.Engine.Options;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Scheduling;

public static class ContextParameters
{
    /// <summary>
    /// The llama_context the engine decodes with: one unified KV cache of Model:ContextSize cells shared by all
    /// Engine:MaxSequences sequences (partial-range seq_cp needs it), physical batch = logical batch.
    /// </summary>
    public static LlamaContextParams For(ModelOptions model, EngineOptions engine)
    {
        var parameters = LlamaApi.ContextDefaultParams();
        parameters.ContextSize = (uint)model.ContextSize;
        parameters.BatchSize = (uint)model.BatchSize;
        parameters.MicroBatchSize = (uint)model.BatchSize;
        parameters.MaxSequences = (uint)engine.MaxSequences;
        parameters.Threads = model.EffectiveThreads;
        parameters.BatchThreads = model.EffectiveThreads;
        parameters.KvUnified = 1;
        parameters.NoPerf = 1;
        return parameters;
    }
}
