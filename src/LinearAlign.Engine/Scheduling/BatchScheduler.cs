using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// The inference thread's loop: takes new requests from the queue, ends cancelled streams, admits what fits
/// (<see cref="RequestAdmission"/>), and decodes one step (<see cref="DecodeStep"/>), which makes room by preempting when
/// a step's tokens do not fit (<see cref="Preemptor"/>) and ends streams as they finish (<see cref="StreamTermination"/>).
/// Requests are admitted first come, first served, when sequences and KV cells for their prompts and a little headroom
/// are free; their cells then grow a token per step. When a step's tokens do not fit, the latest arrival among the
/// running requests is preempted: its cells are freed, and it waits at the head of the queue to resume by recomputing
/// them, with its sampling state kept (vLLM's recompute preemption). Finished and cancelled requests leave their
/// sequences to the prompt cache, which gives them up to later requests; failed ones leave the cache.
/// </summary>
internal sealed class BatchScheduler
{
    private readonly WorkQueue _queue;
    private readonly SafeLlamaContextHandle _context;
    private readonly EngineOptions _options;
    private readonly EngineMetrics _metrics;
    private readonly SchedulingState _state;
    private readonly RequestAdmission _admission;
    private readonly StreamTermination _termination;
    private readonly DecodeStep _step;

    public BatchScheduler(
        WorkQueue queue,
        LlamaModel model,
        SafeLlamaContextHandle context,
        LlamaBatchHandle batch,
        int contextSize,
        EngineOptions options,
        EngineMetrics metrics,
        ILogger logger)
    {
        _queue = queue;
        _context = context;
        _options = options;
        _metrics = metrics;
        _state = new SchedulingState(options.MaxSequences, contextSize, LlamaApi.GetMemory(context));
        _admission = new RequestAdmission(_state, queue, model, options, metrics);
        _termination = new StreamTermination(_state, queue, context, options, metrics);
        _step = new DecodeStep(_state, model, context, batch, new Preemptor(_state, metrics, logger), _termination, metrics, logger);
    }

    /// <summary>Sequence ids held by running requests.</summary>
    public int[] RunningSequences() =>
        [.. _state.Running.SelectMany(admission => admission.Streams).SelectMany(request => request.Cursors).Select(cursor => cursor.SequenceId)];

    /// <summary>Sequence ids the prompt cache holds.</summary>
    public int[] CachedSequences() => _state.Cache.SequenceIds();

    public void Run(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (_state.Idle && !_queue.WaitForWork(stopping))
            {
                return;
            }
            _queue.Drain(_state.Waiting, _context);
            _termination.DropCancelled();
            _admission.Admit();
            if (_state.Active.Count > 0)
            {
                _step.Run();
            }
            PublishOccupancy();
        }
    }

    /// <summary>Ends every running and waiting request with <paramref name="error"/>.</summary>
    public void FailAll(Exception error)
    {
        _termination.FailAll(error);
        PublishOccupancy();
    }

    private void PublishOccupancy() => _metrics.Occupancy(
        _state.Active.Count,
        _queue.Count + _state.Preempted.Count,
        _options.MaxSequences - _state.FreeSequences.Count - _state.Cache.Sequences,
        _state.CellsUsed(),
        _state.Cache.Sequences,
        _state.Cache.Cells);
}
