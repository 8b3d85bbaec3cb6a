using System.Diagnostics;
using LinearAlign.Engine.Model;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Bench;

/// <summary>
/// What a decode step carrying two sequences costs relative to one, measured with bare llama_decode calls on the
/// same model and threads: the floor any aligned decoding pays for its second sequence.
/// </summary>
public static class StepCostProbe
{
    public sealed record Result(double OneSequenceMs, double TwoSequencesMs)
    {
        public double Ratio => TwoSequencesMs / OneSequenceMs;
    }

    public static Result Measure(LlamaModel model, int threads, int steps, int rounds)
    {
        var parameters = LlamaApi.ContextDefaultParams();
        parameters.ContextSize = 2048;
        parameters.BatchSize = 512;
        parameters.MicroBatchSize = 512;
        parameters.MaxSequences = 2;
        parameters.Threads = threads;
        parameters.BatchThreads = threads;
        parameters.KvUnified = 1;
        using var context = new SafeLlamaContextHandle(LlamaApi.InitFromModel(model.Handle, parameters), model.Handle);
        using var batch = new LlamaBatchHandle(512);
        var memory = LlamaApi.GetMemory(context);

        var prompt = model.Tokenize(string.Join(' ', Enumerable.Repeat("the answer to the question", 12)));
        for (var i = 0; i < prompt.Length; i++)
        {
            batch.Add(prompt[i], i, 0, i == prompt.Length - 1);
        }
        Check(LlamaApi.Decode(context, batch.Batch));
        LlamaApi.MemorySequenceCopy(memory, 0, 1, -1, -1);

        var one = new List<double>();
        var two = new List<double>();
        // The first step of each batch shape builds its compute graph; keep that out of the timings.
        TimeSteps(context, batch, prompt.Length, 4, sequences: 1);
        LlamaApi.MemorySequenceRemove(memory, 0, prompt.Length, -1);
        TimeSteps(context, batch, prompt.Length, 4, sequences: 2);
        LlamaApi.MemorySequenceRemove(memory, 0, prompt.Length, -1);
        LlamaApi.MemorySequenceRemove(memory, 1, prompt.Length, -1);
        for (var round = 0; round < rounds; round++)
        {
            one.Add(TimeSteps(context, batch, prompt.Length, steps, sequences: 1));
            LlamaApi.MemorySequenceRemove(memory, 0, prompt.Length, -1);
            two.Add(TimeSteps(context, batch, prompt.Length, steps, sequences: 2));
            LlamaApi.MemorySequenceRemove(memory, 0, prompt.Length, -1);
            LlamaApi.MemorySequenceRemove(memory, 1, prompt.Length, -1);
        }
        return new Result(Statistics.Median(one), Statistics.Median(two));
    }

    private static double TimeSteps(SafeLlamaContextHandle context, LlamaBatchHandle batch, int start, int steps, int sequences)
    {
        var times = new List<double>(steps);
        for (var step = 0; step < steps; step++)
        {
            batch.Clear();
            for (var sequence = 0; sequence < sequences; sequence++)
            {
                batch.Add(token: 100 + step, position: start + step, sequence, wantLogits: true);
            }
            var watch = Stopwatch.StartNew();
            Check(LlamaApi.Decode(context, batch.Batch));
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Statistics.Median(times);
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"llama_decode returned {result}.");
        }
    }
}
