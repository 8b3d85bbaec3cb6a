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

        var prompt = model.Tokenize(string.Join(' ', Enumerable.Repeat("the answer to the question", 12)));
        _promptLength = prompt.Length;
        for (var i = 0; i < prompt.Length; i++)
        {
            _batch.Add(prompt[i], i, 0, i == prompt.Length - 1);
        }
        Check(LlamaApi.Decode(_context, _batch.Batch));
        LlamaApi.MemorySequenceCopy(_memory, 0, 1, -1, -1);

        // The first step of each batch shape builds its compute graph; keep that out of the timings.
        Measure();
    }

    public sealed record Result(double OneSequenceMs, double TwoSequencesMs)
    {
        public double Ratio => TwoSequencesMs / OneSequenceMs;
    }

    /// <summary>Median step time of a run of one-sequence steps and of a run of two-sequence steps.</summary>
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
        var times = new List<double>(StepsPerShape);
        for (var step = 0; step < StepsPerShape; step++)
        {
            _batch.Clear();
            for (var sequence = 0; sequence < sequences; sequence++)
            {
                _batch.Add(token: 100 + step, position: _promptLength + step, sequence, wantLogits: true);
            }
            var start = Stopwatch.GetTimestamp();
            Check(LlamaApi.Decode(_context, _batch.Batch));
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        for (var sequence = 0; sequence < sequences; sequence++)
        {
            LlamaApi.MemorySequenceRemove(_memory, sequence, _promptLength, -1);
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
