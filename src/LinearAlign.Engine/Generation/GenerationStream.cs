using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;

namespace LinearAlign.Engine.Generation;

/// <summary>
/// The output of one request, written by the inference thread and read by the caller. Writes append to a
/// buffer and raise a coalescing signal, so the inference thread never waits for, nor allocates for, a reader.
/// </summary>
public sealed class GenerationStream
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<GenerationResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _tokens;
    private int _readChars;
    private int _readTokens;

    internal GenerationStream(int promptTokens, AppliedAlignment? alignment)
    {
        PromptTokens = promptTokens;
        Alignment = alignment;
    }

    public int PromptTokens { get; }

    public AppliedAlignment? Alignment { get; }

    /// <summary>Completes with the whole result, or faults with the error that ended the request.</summary>
    public Task<GenerationResult> Completion => _completion.Task;

    /// <summary>Yields text as it is generated; ends when the request finishes (throws if it failed).</summary>
    public async IAsyncEnumerable<GenerationDelta> ReadDeltasAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var done = _completion.Task.IsCompleted;
            if (TryTakeDelta(out var delta))
            {
                yield return delta;
            }
            if (done)
            {
                await _completion.Task.ConfigureAwait(false);
                yield break;
            }
            if (!await _signal.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            _signal.Reader.TryRead(out _);
        }
    }

    internal void Append(ReadOnlySpan<char> text, int tokens)
    {
        lock (_gate)
        {
            _text.Append(text);
            _tokens += tokens;
        }
        _signal.Writer.TryWrite(true);
    }

    internal void CountToken()
    {
        lock (_gate)
        {
            _tokens++;
        }
    }

    internal void Complete(FinishReason reason)
    {
        string text;
        int tokens;
        lock (_gate)
        {
            text = _text.ToString();
            tokens = _tokens;
        }
        _completion.TrySetResult(new GenerationResult(text, reason, new GenerationUsage(PromptTokens, tokens), Alignment));
        _signal.Writer.TryComplete();
    }

    internal void Fail(Exception error)
    {
        _completion.TrySetException(error);
        _signal.Writer.TryComplete();
    }

    private bool TryTakeDelta(out GenerationDelta delta)
    {
        lock (_gate)
        {
            if (_text.Length == _readChars && _tokens == _readTokens)
            {
                delta = default;
                return false;
            }
            delta = new GenerationDelta(_text.ToString(_readChars, _text.Length - _readChars), _tokens - _readTokens);
            _readChars = _text.Length;
            _readTokens = _tokens;
            return true;
        }
    }
}
