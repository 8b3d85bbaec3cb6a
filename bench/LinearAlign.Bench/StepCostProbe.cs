using System.Diagnostics;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Bench;

/// <summary>
/// What a decode step carrying two sequences costs relative to one, measured with bare llama_decode calls on the
/// same model and threads: the floor any aligned decoding pays for its second sequence. Kept open so that the
/// benchmark can measure it in every round, next to the engine runs it is compared with (this machine drifts).
/// </summary>
public sealed class StepCostProbe : IDisposable
{
    private const int StepsPerShape = 32;

    private readonly EngineContext _engineContext;
    private readonly SafeLlamaContextHandle _context;
    private readonly LlamaBatchHandle _batch = new(512);
    private readonly nint _memory;
    private readonly int _promptLength;

    /// <summary>Creates a context configured as the engine's is, so that only the engine's own work differs.</summary>
    public StepCostProbe(LlamaModel model, ModelOptions modelOptions, EngineOptions engineOptions)
    {
        _engineContext = EngineContext.Create(model, modelOptions, engineOptions);
        _context = _engineContext.Handle;
        _memory = LlamaApi.GetMemory(_context);

        // Each sequence holds a prompt of its own, as W and U do, and as llama-batched-bench's sequences do.
        var prompt = model.Tokenize(string.Join(' ', Enumerable.Repeat("the answer to the question", 12)));
        _promptLength = prompt.Length;
        for (var sequence = 0; sequence < 2; sequence++)
        {
            _batch.Clear();
            for (var i = 0; i < prompt.Length; i++)
            {
                _batch.Add(prompt[(i + sequence) % prompt.Length], i, sequence, i == prompt.Length - 1);
            }
            Check(LlamaApi.Decode(_context, _batch.Batch));
        }

        // The first step of each batch shape builds its compute graph; keep that out of the timings.
        Measure();
    }

    public sealed record Result(double OneSequenceMs, double TwoSequencesMs)
    {
        public double Ratio => TwoSequencesMs / OneSequenceMs;
    }

    /// <summary>
    /// Mean step time of a run of one-sequence steps and of a run of two-sequence steps, as llama-batched-bench times
    /// its text generation (and as a decode rate is taken: tokens over time), not the median, which leaves out the
    /// occasional slow step.
    /// </summary>
    public Result Measure()
    {
        var one = TimeSteps(sequences: 1);
        var two = TimeSteps(sequences: 2);
        return new Result(one, two);
    }

    public void Dispose()
    {
        _batch.Dispose();
        _engineContext.Dispose();
    }

    private double TimeSteps(int sequences)
    {
        var start = Stopwatch.GetTimestamp();
        for (var step = 0; step < StepsPerShape; step++)
        {
            _batch.Clear();
            for (var sequence = 0; sequence < sequences; sequence++)
            {
                _batch.Add(token: 100 + step, position: _promptLength + step, sequence, wantLogits: true);
            }
            Check(LlamaApi.Decode(_context, _batch.Batch));
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        for (var sequence = 0; sequence < sequences; sequence++)
        {
            LlamaApi.MemorySequenceRemove(_memory, sequence, _promptLength, -1);
        }
        return elapsed / StepsPerShape;
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"llama_decode returned {result}.");
        }
    }
}
