using System.Collections.Concurrent;
using System.Threading.Channels;
using LinearAlign.Engine.Generation;
using LinearAlign.Native.Handles;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// What other threads hand to the inference thread: requests to admit, and inspections to run between steps.
/// Capacity counts requests accepted but not yet admitted, so a full queue is refused at once instead of waiting.
/// </summary>
internal sealed class WorkQueue(int capacity)
{
    // A null item only wakes an idle inference thread so that it runs the inspections.
    private readonly Channel<PendingRequest?> _incoming = Channel.CreateUnbounded<PendingRequest?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<Action<SafeLlamaContextHandle>> _inspections = new();
    private int _waiting;

    /// <summary>Requests accepted and not yet admitted or gone.</summary>
    public int Count => Volatile.Read(ref _waiting);

    public void Enqueue(PendingRequest request)
    {
        if (Interlocked.Increment(ref _waiting) > capacity)
        {
            Interlocked.Decrement(ref _waiting);
            throw new EngineException(EngineErrorCode.QueueFull, $"The server is busy: {capacity} requests are already waiting. Retry shortly.");
        }
        if (!_incoming.Writer.TryWrite(request))
        {
            Interlocked.Decrement(ref _waiting);
            throw ShuttingDown();
        }
    }

    public Task<T> InspectAsync<T>(Func<SafeLlamaContextHandle, T> inspect)
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
        if (!_incoming.Writer.TryWrite(null))
        {
            result.TrySetException(ShuttingDown());
        }
        return result.Task;
    }

    /// <summary>Inference thread: blocks until something arrives; false once the queue is closed or stopping.</summary>
    public bool WaitForWork(CancellationToken stopping)
    {
        try
        {
            return _incoming.Reader.WaitToReadAsync(stopping).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Inference thread: moves arrived requests into <paramref name="waiting"/> and runs pending inspections.</summary>
    public void Drain(Queue<PendingRequest> waiting, SafeLlamaContextHandle context)
    {
        while (_incoming.Reader.TryRead(out var request))
        {
            if (request is not null)
            {
                waiting.Enqueue(request);
            }
        }
        while (_inspections.TryDequeue(out var inspect))
        {
            inspect(context);
        }
    }

    /// <summary>Inference thread: a waiting request was admitted, or left the queue without being admitted.</summary>
    public void Left() => Interlocked.Decrement(ref _waiting);

    public void Close() => _incoming.Writer.TryComplete();

    public static EngineException ShuttingDown() => new(EngineErrorCode.ShuttingDown, "The server is shutting down.");
}
