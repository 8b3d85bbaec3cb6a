using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Text;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// The engine's public face: requests are planned on the caller's thread and handed through a bounded queue to one
/// inference thread, which alone creates and uses the llama_context (<see cref="BatchScheduler"/>).
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly LlamaModel _model;
    private readonly ModelOptions _modelOptions;
    private readonly EngineOptions _engineOptions;
    private readonly ILogger _logger;
    private readonly RequestPlanner _planner;
    private readonly WorkQueue _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BatchScheduler? _scheduler;
    private int _outstanding;
    private int _admissionClosed;

    private InferenceEngine(LlamaModel model, ModelOptions modelOptions, EngineOptions engineOptions, AlignmentOptions alignmentOptions, ILogger logger)
    {
        _model = model;
        _modelOptions = modelOptions;
        _engineOptions = engineOptions;
        _logger = logger;
        Prompts = new PromptBuilder(model, modelOptions.FallbackChatTemplate);
        _planner = new RequestPlanner(model, Prompts, engineOptions, alignmentOptions, modelOptions.ContextSize);
        _queue = new WorkQueue(engineOptions.QueueCapacity);
        Metrics = new EngineMetrics(model.Info.Alias, engineOptions.MaxSequences, modelOptions.ContextSize);
        _thread = new Thread(Run) { IsBackground = true, Name = "llama-inference" };
    }

    public ModelInfo Model => _model.Info;

    public int ContextSize => _modelOptions.ContextSize;

    public PromptBuilder Prompts { get; }

    /// <summary>This engine's instruments, for an exporter to listen to.</summary>
    public EngineMetrics Metrics { get; }

    /// <summary>Creates the context on a new inference thread and starts the loop.</summary>
    public static async Task<InferenceEngine> StartAsync(
        LlamaModel model, ModelOptions modelOptions, EngineOptions engineOptions, AlignmentOptions alignmentOptions, ILogger logger)
    {
        if (modelOptions.BatchSize < engineOptions.MaxSequences)
        {
            throw new ArgumentException($"Model:BatchSize ({modelOptions.BatchSize}) must be at least Engine:MaxSequences ({engineOptions.MaxSequences}): every running sequence needs a place in each step's batch.");
        }
        var engine = new InferenceEngine(model, modelOptions, engineOptions, alignmentOptions, logger);
        engine._thread.Start();
        await engine._started.Task.ConfigureAwait(false);
        return engine;
    }

    /// <summary>
    /// Validates and tokenizes <paramref name="request"/> on the caller's thread and queues it. Errors in the
    /// request (bad parameters, a prompt that cannot fit, a full queue) throw <see cref="EngineException"/> at once.
    /// Cancelling <paramref name="cancellationToken"/> ends the request and frees its sequences within one step.
    /// </summary>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default) =>
        Enqueue(request, compare: false, cancellationToken).Output;

    /// <summary>
    /// As <see cref="Submit"/>, for an aligned request decoded three ways at once, for comparison: the streams of
    /// <see cref="ComparisonChoice.LinearAlignment"/>, <see cref="ComparisonChoice.PrincipleInPrompt"/> and
    /// <see cref="ComparisonChoice.Base"/>, in that order. The four sequences are admitted together and decoded in
    /// the same steps, each choice with its own sampling state from the same parameters and seed.
    /// </summary>
    public IReadOnlyList<GenerationStream> SubmitComparison(GenerationRequest request, CancellationToken cancellationToken = default) =>
        [.. Enqueue(request, compare: true, cancellationToken).Outputs];

    private PendingRequest Enqueue(GenerationRequest request, bool compare, CancellationToken cancellationToken)
    {
        PendingRequest pending;
        try
        {
            pending = _planner.Plan(request, cancellationToken, compare);
        }
        catch (EngineException)
        {
            Metrics.Rejected(request.IsAligned);
            throw;
        }
        // Counted before the check, so that a drain which sees no outstanding request can trust no request slips in.
        Interlocked.Increment(ref _outstanding);
        try
        {
            if (Volatile.Read(ref _admissionClosed) != 0 || _stopping.IsCancellationRequested)
            {
                throw WorkQueue.ShuttingDown();
            }
            _queue.Enqueue(pending);
        }
        catch
        {
            Finished();
            Metrics.Rejected(request.IsAligned);
            throw;
        }
        Task finished = pending.Comparison is null ? pending.Output.Completion : Task.WhenAll(pending.Outputs.Select(output => output.Completion));
        finished.ContinueWith(
            static (_, engine) => ((InferenceEngine)engine!).Finished(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return pending;
    }

    /// <summary>New requests are refused (<see cref="EngineErrorCode.ShuttingDown"/>); queued and running ones go on.</summary>
    public void StopAdmitting()
    {
        Interlocked.Exchange(ref _admissionClosed, 1);
        if (Volatile.Read(ref _outstanding) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops admitting and completes when every accepted request has finished.</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        StopAdmitting();
        return _drained.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Requests accepted and not yet finished, queued or running.</summary>
    public int OutstandingRequests => Volatile.Read(ref _outstanding);

    private void Finished()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _admissionClosed) != 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Runs <paramref name="inspect"/> on the inference thread between steps (diagnostics and tests).</summary>
    internal Task<T> InspectAsync<T>(Func<SafeLlamaContextHandle, T> inspect) => _queue.InspectAsync(inspect);

    /// <summary>The sequence ids running requests hold, those the prompt cache keeps, and those with cells in the KV cache.</summary>
    internal Task<SequenceCensus> SequenceCensusAsync() => InspectAsync(context =>
    {
        var memory = LlamaApi.GetMemory(context);
        var occupied = Enumerable.Range(0, _engineOptions.MaxSequences)
            .Where(sequence => LlamaApi.MemorySequenceMaxPosition(memory, sequence) >= 0)
            .ToArray();
        return new SequenceCensus(_scheduler!.RunningSequences(), _scheduler.CachedSequences(), occupied);
    });

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _queue.Close();
        if (_thread.IsAlive)
        {
            await _stopped.Task.ConfigureAwait(false);
        }
        _stopping.Dispose();
        Metrics.Dispose();
    }

    private void Run()
    {
        EngineContext context;
        LlamaBatchHandle batch;
        try
        {
            context = EngineContext.Create(_model, _modelOptions, _engineOptions);
            batch = new LlamaBatchHandle(_modelOptions.BatchSize);
        }
        catch (Exception e)
        {
            _started.TrySetException(e);
            _stopped.TrySetResult();
            return;
        }
        var scheduler = new BatchScheduler(
            _queue, _model, context.Handle, batch, _modelOptions.ContextSize, _engineOptions, Metrics, _logger);
        _scheduler = scheduler;
        _started.TrySetResult();
        try
        {
            scheduler.Run(_stopping.Token);
        }
        catch (Exception e)
        {
            _logger.LogCritical(e, "The inference loop failed; no further requests can be served.");
            scheduler.FailAll(e);
        }
        finally
        {
            // After a failed loop new requests are refused at once instead of waiting for a thread that is gone.
            _queue.Close();
            scheduler.FailAll(WorkQueue.ShuttingDown());
            batch.Dispose();
            context.Dispose();
            _stopped.TrySetResult();
        }
    }
}
