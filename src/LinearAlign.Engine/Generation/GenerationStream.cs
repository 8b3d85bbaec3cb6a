using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace LinearAlign.Engine.Generation;

/// <summary>
/// The output of one request, written by the inference thread and read by the caller. The inference thread only
/// copies text into a pooled buffer and raises a coalescing signal: it never waits for a reader, and allocates
/// nothing per token. Strings are made on the reader's side.
/// </summary>
public sealed class GenerationStream
{
    private readonly Lock _gate = new();
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<FinishReason> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The inference thread rents and grows the buffer while the consumer's thread returns it: the shared pool keeps
    // returns in per-thread caches that the inference thread never sees, so it would allocate again every request.
    private static readonly ArrayPool<char> TextPool = ArrayPool<char>.Create();

    private char[] _text = TextPool.Rent(512);
    private int _length;
    private string? _finalText;
    private int _tokens;
    private int _readChars;
    private int _readTokens;
    private int _cachedPromptTokens;
    private readonly TokenLogprobBuffer? _logprobs;
    private readonly TokenTraceReader<TokenLogprob>? _logprobReader;
    private readonly SteeringTrace? _steering;
    private readonly TokenTraceReader<SteeredToken>? _steeringReader;

    /// <param name="withLogprobs">Whether the request asked for log-probabilities, which then come with each delta and the result.</param>
    /// <param name="steering">Whether the request asked for alignment diagnostics, which then come with each delta and the result.</param>
    internal GenerationStream(int promptTokens, AppliedAlignment? alignment, bool withLogprobs = false, bool steering = false)
    {
        PromptTokens = promptTokens;
        Alignment = alignment;
        _logprobs = withLogprobs ? new TokenLogprobBuffer() : null;
        _logprobReader = _logprobs is null ? null : new TokenTraceReader<TokenLogprob>(_logprobs);
        _steering = steering ? new SteeringTrace() : null;
        _steeringReader = _steering is null ? null : new TokenTraceReader<SteeredToken>(_steering);
        Completion = _finished.Task.ContinueWith(
            finished => Result(finished.GetAwaiter().GetResult()),
            CancellationToken.None,
            TaskContinuationOptions.RunContinuationsAsynchronously,
            TaskScheduler.Default);
    }

    public int PromptTokens { get; }

    public AppliedAlignment? Alignment { get; }

    /// <summary>Prompt tokens taken from the prompt cache; set at admission, before any text.</summary>
    public int CachedPromptTokens
    {
        get => Volatile.Read(ref _cachedPromptTokens);
        internal set => Volatile.Write(ref _cachedPromptTokens, value);
    }

    /// <summary>Completes with the whole result, or faults with the error that ended the request.</summary>
    public Task<GenerationResult> Completion { get; }

    /// <summary>Yields text as it is generated; ends when the request finishes (throws if it failed).</summary>
    public async IAsyncEnumerable<GenerationDelta> ReadDeltasAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var done = _finished.Task.IsCompleted;
            if (TryTakeDelta(out var delta))
            {
                yield return delta;
            }
            if (done)
            {
                await _finished.Task.ConfigureAwait(false);
                yield break;
            }
            if (await _signal.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _signal.Reader.TryRead(out _);
            }
        }
    }

    internal void Append(ReadOnlySpan<char> text, int tokens)
    {
        lock (_gate)
        {
            if (_length + text.Length > _text.Length)
            {
                var larger = TextPool.Rent(Math.Max(_text.Length * 2, _length + text.Length));
                _text.AsSpan(0, _length).CopyTo(larger);
                TextPool.Return(_text);
                _text = larger;
            }
            text.CopyTo(_text.AsSpan(_length));
            _length += text.Length;
            _tokens += tokens;
        }
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Records the log-probabilities of the token just sampled, before its text is added.</summary>
    /// <param name="textOffset">Where the token's text starts in this stream's text, held-back text included.</param>
    internal void AddLogprobs(int textOffset, int token, Sampling.TokenSampler sampler, TokenPiece piece)
    {
        lock (_gate)
        {
            _logprobs!.Add(textOffset, token, sampler, piece);
        }
    }

    /// <summary>Records what steering did at the token just sampled, before its text is added.</summary>
    internal void AddSteering(int textOffset, int token, Sampling.SteeringStep step, TokenPiece piece)
    {
        lock (_gate)
        {
            _steering!.Add(textOffset, token, step, piece);
        }
    }

    internal void Complete(FinishReason reason)
    {
        _finished.TrySetResult(reason);
        _signal.Writer.TryComplete();
    }

    internal void Fail(Exception error)
    {
        _finished.TrySetException(error);
        _signal.Writer.TryComplete();
    }

    /// <summary>Runs on the thread pool once the request ended: makes the final string and gives the buffer back.</summary>
    private GenerationResult Result(FinishReason reason)
    {
        lock (_gate)
        {
            _finalText = new string(_text, 0, _length);
            TextPool.Return(_text);
            _text = [];
            var logprobs = _logprobReader?.Finish(_finalText.Length);
            var steering = _steeringReader?.Finish(_finalText.Length);
            return new GenerationResult(
                _finalText,
                reason,
                new GenerationUsage(PromptTokens, _tokens, CachedPromptTokens),
                Alignment,
                logprobs,
                steering,
                steering is null ? null : AlignmentDiagnostics.Of(steering));
        }
    }

    private bool TryTakeDelta(out GenerationDelta delta)
    {
        lock (_gate)
        {
            var length = _finalText?.Length ?? _length;
            if (length == _readChars && _tokens == _readTokens)
            {
                delta = default;
                return false;
            }
            var text = _finalText is null
                ? new string(_text, _readChars, length - _readChars)
                : _finalText[_readChars..];
            delta = new GenerationDelta(text, _tokens - _readTokens, _logprobReader?.Take(length), _steeringReader?.Take(length));
            _readChars = length;
            _readTokens = _tokens;
            return true;
        }
    }
}
