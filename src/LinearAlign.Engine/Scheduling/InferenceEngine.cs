using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Text;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// Continuous batching over one llama_context, which only the inference thread touches. Each step builds one
/// batch with the next token of every running stream (both W and U of aligned ones) plus prefill chunks of newly
/// admitted requests within the batch size, decodes it once, then samples every stream that has logits.
/// Requests are admitted when sequences and KV cells for their whole prompt and max_tokens are free, so a
/// decode never runs out of cache; finished, failed and cancelled requests leave the cache at once.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly LlamaModel _model;
    private readonly ModelOptions _modelOptions;
    private readonly EngineOptions _engineOptions;
    private readonly AlignmentOptions _alignmentOptions;
    private readonly ILogger _logger;
    private readonly PromptBuilder _prompts;
    private readonly Channel<PendingRequest> _incoming = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<Action<SafeLlamaContextHandle>> _inspections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private int _queued;

    private InferenceEngine(LlamaModel model, ModelOptions modelOptions, EngineOptions engineOptions, AlignmentOptions alignmentOptions, ILogger logger)
    {
        _model = model;
        _modelOptions = modelOptions;
        _engineOptions = engineOptions;
        _alignmentOptions = alignmentOptions;
        _logger = logger;
        _prompts = new PromptBuilder(model, modelOptions.FallbackChatTemplate);
        ContextSize = modelOptions.ContextSize;
        _thread = new Thread(Run) { IsBackground = true, Name = "llama-inference" };
    }

    public ModelInfo Model => _model.Info;

    public int ContextSize { get; }

    public PromptBuilder Prompts => _prompts;

    /// <summary>Requests accepted but not yet holding sequences.</summary>
    public int QueuedRequests => Volatile.Read(ref _queued);

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
    /// request (bad parameters, a prompt that cannot fit) throw <see cref="EngineException"/> before it is queued.
    /// </summary>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var pending = Prepare(request, cancellationToken);
        if (_stopping.IsCancellationRequested)
        {
            throw new EngineException(EngineErrorCode.ShuttingDown, "The server is shutting down.");
        }
        if (Interlocked.Increment(ref _queued) > _engineOptions.QueueCapacity)
        {
            Interlocked.Decrement(ref _queued);
            throw new EngineException(EngineErrorCode.QueueFull, $"The server is busy: {_engineOptions.QueueCapacity} requests are already waiting. Retry shortly.");
        }
        if (!_incoming.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new EngineException(EngineErrorCode.ShuttingDown, "The server is shutting down.");
        }
        return pending.Output;
    }

    /// <summary>Runs <paramref name="inspect"/> on the inference thread between steps (diagnostics and tests).</summary>
    internal Task<T> InspectAsync<T>(Func<SafeLlamaContextHandle, T> inspect)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inspections.Enqueue(context =>
        {
            try
            {
                result.SetResult(inspect(context));
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        _incoming.Writer.TryWrite(Wakeup);
        return result.Task;
    }

    /// <summary>The sequence ids that have any cell in the KV cache.</summary>
    internal Task<int[]> OccupiedSequencesAsync() => InspectAsync(context =>
    {
        var memory = LlamaApi.GetMemory(context);
        return Enumerable.Range(0, _engineOptions.MaxSequences)
            .Where(sequence => LlamaApi.MemorySequenceMaxPosition(memory, sequence) >= 0)
            .ToArray();
    });

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _incoming.Writer.TryComplete();
        if (_thread.IsAlive)
        {
            await _stopped.Task.ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    /// <summary>Queued only to wake an idle inference thread for inspections; never admitted.</summary>
    private static readonly PendingRequest Wakeup = new(
        new GenerationRequest(), [], null, 0, 0, default, 0, 0, new GenerationStream(0, null), CancellationToken.None);

    private PendingRequest Prepare(GenerationRequest request, CancellationToken cancellationToken)
    {
        if ((request.Prompt is null) == (request.Messages is null))
        {
            throw EngineException.Invalid("prompt", "Give either a prompt or messages.");
        }
        if (request.MaxTokens is < 1)
        {
            throw EngineException.Invalid("max_tokens", "'max_tokens' must be at least 1.");
        }
        request.Sampling.Validate(_model.VocabularySize);
        var aligned = request.IsAligned;
        var stepSize = request.StepSize ?? _alignmentOptions.DefaultStepSize;
        if (aligned && !(float.IsFinite(stepSize) && stepSize >= _alignmentOptions.MinStepSize && stepSize <= _alignmentOptions.MaxStepSize))
        {
            throw EngineException.Invalid("step_size", $"'step_size' must be between {_alignmentOptions.MinStepSize} and {_alignmentOptions.MaxStepSize}.");
        }
        var mode = request.Mode ?? _alignmentOptions.DefaultMode;

        var (promptWith, promptWithout) = Tokenize(request);
        if (promptWith.Length == 0 || promptWithout is { Length: 0 })
        {
            throw EngineException.Invalid(request.Prompt is null ? "messages" : "prompt", "The prompt is empty.");
        }

        var sharedPrefix = 0;
        if (promptWithout is not null && _engineOptions.ShareAlignedPrefix)
        {
            // Each sequence keeps at least its last prompt token to itself: that token's logits are its own.
            var limit = Math.Min(promptWith.Length, promptWithout.Length) - 1;
            while (sharedPrefix < limit && promptWith[sharedPrefix] == promptWithout[sharedPrefix])
            {
                sharedPrefix++;
            }
        }

        var sequences = promptWithout is null ? 1 : 2;
        var promptCells = promptWith.Length + (promptWithout?.Length ?? 0) - sharedPrefix;
        var roomForTokens = (ContextSize - promptCells) / sequences;
        if (roomForTokens < 1)
        {
            var what = aligned ? "prompt with the principle, plus the prompt without it" : "prompt";
            throw new EngineException(
                EngineErrorCode.ContextLengthExceeded,
                $"The {what} needs {promptCells} tokens of the {ContextSize}-token context, leaving no room to generate. Shorten the prompt or raise Model:ContextSize.",
                request.Prompt is null ? "messages" : "prompt")
            {
                PromptTokens = promptCells,
                ContextSize = ContextSize,
            };
        }
        var maxNewTokens = Math.Min(request.MaxTokens ?? int.MaxValue, roomForTokens);
        var reservedCells = promptCells + sequences * maxNewTokens;
        var alignment = aligned
            ? new AppliedAlignment(stepSize, mode, promptWith.Length - promptWithout!.Length, sharedPrefix)
            : null;
        var output = new GenerationStream(promptWith.Length, alignment);
        return new PendingRequest(request, promptWith, promptWithout, sharedPrefix, stepSize, mode, maxNewTokens, reservedCells, output, cancellationToken);
    }

    private (int[] With, int[]? Without) Tokenize(GenerationRequest request)
    {
        if (request.Prompt is not null)
        {
            var plain = _prompts.Tokenize(request.Prompt);
            return request.IsAligned
                ? (_prompts.Tokenize(PromptBuilder.WithPrinciple(request.Prompt, request.Principle!)), plain)
                : (plain, null);
        }

        var messages = request.Messages!;
        if (messages.Count == 0)
        {
            throw EngineException.Invalid("messages", "'messages' must contain at least one message.");
        }
        var plainChat = _prompts.Tokenize(_prompts.RenderChat(messages));
        return request.IsAligned
            ? (_prompts.Tokenize(_prompts.RenderChat(PromptBuilder.WithPrinciple(messages, request.Principle!))), plainChat)
            : (plainChat, null);
    }

    private void Run()
    {
        SafeLlamaContextHandle context;
        LlamaBatchHandle batch;
        try
        {
            context = CreateContext();
            batch = new LlamaBatchHandle(_modelOptions.BatchSize);
        }
        catch (Exception e)
        {
            _started.TrySetException(e);
            _stopped.TrySetResult();
            return;
        }
        _started.TrySetResult();

        var loop = new BatchLoop(this, context, batch);
        try
        {
            loop.Run(_stopping.Token);
        }
        catch (Exception e)
        {
            _logger.LogCritical(e, "The inference loop failed; no further requests can be served.");
            loop.FailAll(e);
        }
        finally
        {
            loop.FailAll(new EngineException(EngineErrorCode.ShuttingDown, "The server is shutting down."));
            batch.Dispose();
            context.Dispose();
            _stopped.TrySetResult();
        }
    }

    private SafeLlamaContextHandle CreateContext()
    {
        var parameters = LlamaApi.ContextDefaultParams();
        parameters.ContextSize = (uint)_modelOptions.ContextSize;
        parameters.BatchSize = (uint)_modelOptions.BatchSize;
        parameters.MicroBatchSize = (uint)_modelOptions.BatchSize;
        parameters.MaxSequences = (uint)_engineOptions.MaxSequences;
        parameters.Threads = _modelOptions.EffectiveThreads;
        parameters.BatchThreads = _modelOptions.EffectiveThreads;
        parameters.KvUnified = 1;
        parameters.NoPerf = 1;
        var pointer = LlamaApi.InitFromModel(_model.Handle, parameters);
        if (pointer == 0)
        {
            throw new InvalidOperationException(
                $"llama.cpp could not create a context (n_ctx={_modelOptions.ContextSize}, n_batch={_modelOptions.BatchSize}, n_seq_max={_engineOptions.MaxSequences}); see the log above.");
        }
        return new SafeLlamaContextHandle(pointer, _model.Handle);
    }

    /// <summary>The state of the inference thread: admitted requests, free sequence ids and KV cells.</summary>
    private sealed class BatchLoop(InferenceEngine engine, SafeLlamaContextHandle context, LlamaBatchHandle batch)
    {
        private readonly nint _memory = LlamaApi.GetMemory(context);
        private readonly List<ActiveRequest> _active = new(engine._engineOptions.MaxSequences);
        private readonly Queue<PendingRequest> _waiting = new();
        private readonly Stack<int> _freeSequences = new(Enumerable.Range(0, engine._engineOptions.MaxSequences).Reverse());
        private readonly byte[] _pieceBuffer = new byte[256];
        private int _freeCells = engine.ContextSize;

        public void Run(CancellationToken stopping)
        {
            while (!stopping.IsCancellationRequested)
            {
                if (_active.Count == 0 && _waiting.Count == 0 && !WaitForWork(stopping))
                {
                    return;
                }
                DrainIncoming();
                RunInspections();
                DropCancelled();
                Admit();
                if (_active.Count == 0)
                {
                    continue;
                }
                Step();
            }
        }

        public void FailAll(Exception error)
        {
            foreach (var request in _active)
            {
                request.ReleaseSequences(_memory);
                request.Output.Fail(error);
                request.Dispose();
            }
            _active.Clear();
            DrainIncoming();
            while (_waiting.TryDequeue(out var pending))
            {
                Interlocked.Decrement(ref engine._queued);
                pending.Output.Fail(error);
            }
            RunInspections();
        }

        private bool WaitForWork(CancellationToken stopping)
        {
            try
            {
                return engine._incoming.Reader.WaitToReadAsync(stopping).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private void DrainIncoming()
        {
            while (engine._incoming.Reader.TryRead(out var pending))
            {
                if (!ReferenceEquals(pending, Wakeup))
                {
                    _waiting.Enqueue(pending);
                }
            }
        }

        private void RunInspections()
        {
            while (engine._inspections.TryDequeue(out var inspect))
            {
                inspect(context);
            }
        }

        private void DropCancelled()
        {
            for (var i = _active.Count - 1; i >= 0; i--)
            {
                if (_active[i].Cancellation.IsCancellationRequested)
                {
                    Finish(_active[i], FinishReason.Cancelled);
                }
            }
            if (_waiting.Count > 0 && HasCancelledWaiting())
            {
                var count = _waiting.Count;
                for (var i = 0; i < count; i++)
                {
                    var pending = _waiting.Dequeue();
                    if (pending.Cancellation.IsCancellationRequested)
                    {
                        Interlocked.Decrement(ref engine._queued);
                        pending.Output.Complete(FinishReason.Cancelled);
                    }
                    else
                    {
                        _waiting.Enqueue(pending);
                    }
                }
            }
        }

        private bool HasCancelledWaiting()
        {
            foreach (var pending in _waiting)
            {
                if (pending.Cancellation.IsCancellationRequested)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>First come, first served: the head waits until its sequences and cells are free.</summary>
        private void Admit()
        {
            while (_waiting.TryPeek(out var pending)
                && pending.SequenceCount <= _freeSequences.Count
                && pending.ReservedCells <= _freeCells)
            {
                _waiting.Dequeue();
                Interlocked.Decrement(ref engine._queued);
                var with = _freeSequences.Pop();
                var without = pending.SequenceCount == 2 ? _freeSequences.Pop() : -1;
                _freeCells -= pending.ReservedCells;
                _active.Add(new ActiveRequest(pending, with, without, engine._model.VocabularySize));
            }
        }

        private void Step()
        {
            batch.Clear();
            foreach (var request in _active)
            {
                if (!request.Prefilling)
                {
                    request.SubmitNextToken(batch);
                }
            }
            var budget = batch.Capacity - batch.Count;
            foreach (var request in _active)
            {
                if (request.Prefilling && budget > 0)
                {
                    request.SubmitPrefill(batch, _memory, ref budget);
                }
            }
            if (batch.Count == 0)
            {
                return;
            }

            var result = LlamaApi.Decode(context, batch.Batch);
            if (result != 0)
            {
                FailBatch(result);
                return;
            }

            for (var i = _active.Count - 1; i >= 0; i--)
            {
                var request = _active[i];
                request.Decoded();
                if (request.HasLogits)
                {
                    Advance(request);
                }
            }
        }

        private void Advance(ActiveRequest request)
        {
            var token = request.Sample(context);
            if (engine._model.IsEndOfGeneration(token))
            {
                request.Text.Flush(request.Output);
                Finish(request, FinishReason.Stop);
                return;
            }

            request.Generated++;
            if (request.Text.Add(Piece(token), request.Output))
            {
                Finish(request, FinishReason.Stop);
                return;
            }
            if (request.Generated >= request.MaxNewTokens)
            {
                request.Text.Flush(request.Output);
                Finish(request, FinishReason.Length);
                return;
            }
            request.LastToken = token;
        }

        private ReadOnlySpan<byte> Piece(int token)
        {
            var length = engine._model.TokenToPiece(token, _pieceBuffer);
            if (length >= 0)
            {
                return _pieceBuffer.AsSpan(0, length);
            }
            var larger = new byte[-length];
            return larger.AsSpan(0, engine._model.TokenToPiece(token, larger));
        }

        private void Finish(ActiveRequest request, FinishReason reason)
        {
            Release(request);
            request.Output.Complete(reason);
        }

        private void Release(ActiveRequest request)
        {
            request.ReleaseSequences(_memory);
            _freeSequences.Push(request.With.SequenceId);
            if (request.Without is not null)
            {
                _freeSequences.Push(request.Without.SequenceId);
            }
            _freeCells += request.ReservedCells;
            _active.Remove(request);
            request.Dispose();
        }

        private void FailBatch(int result)
        {
            var reason = result switch
            {
                1 => "no KV cache slot was free for the batch",
                2 => "the decode was aborted",
                _ => $"llama_decode returned {result}",
            };
            engine._logger.LogError("Decoding a batch of {Tokens} tokens failed: {Reason}; failing the {Count} requests in it.", batch.Count, reason, _active.Count);
            var error = new EngineException(EngineErrorCode.DecodeFailed, $"The model failed to decode this request: {reason}.");
            for (var i = _active.Count - 1; i >= 0; i--)
            {
                var request = _active[i];
                Release(request);
                request.Output.Fail(error);
            }
        }
    }
}
