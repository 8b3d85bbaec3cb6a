using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>
/// Something that happened to one choice: new text with its tokens' log-probabilities and steering (where asked for),
/// or its end (<see cref="Result"/> set).
/// </summary>
public readonly record struct ChoiceEvent(
    int Index, string Text, IReadOnlyList<TokenLogprob>? Logprobs, IReadOnlyList<SteeredToken>? Steering, GenerationResult? Result);

/// <summary>
/// The generations of one HTTP request, submitted together so they share decode steps. Disposing cancels whatever
/// is still queued or running, so choices never run on for a response that has ended or a client that has left.
/// </summary>
public sealed class ChoiceRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _abandon;
    private readonly GenerationStream[] _streams;
    private readonly int _choicesPerPrompt;

    private ChoiceRun(CancellationTokenSource abandon, GenerationStream[] streams, int choicesPerPrompt)
    {
        _abandon = abandon;
        _streams = streams;
        _choicesPerPrompt = choicesPerPrompt;
    }

    public AppliedAlignment? Alignment => _streams[0].Alignment;

    /// <summary>Plans and queues every generation; a request error throws before anything runs.</summary>
    public static ChoiceRun Submit(InferenceEngine engine, MappedRequest request, CancellationToken requestAborted)
    {
        var abandon = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        GenerationStream[] streams;
        try
        {
            streams = request.Compare
                ? [.. engine.SubmitComparison(request.Generations[0], abandon.Token)]
                : [.. request.Generations.Select(generation => engine.Submit(generation, abandon.Token))];
        }
        catch
        {
            abandon.Cancel();
            abandon.Dispose();
            throw;
        }
        return new ChoiceRun(abandon, streams, request.ChoicesPerPrompt);
    }

    public Task<GenerationResult[]> CompleteAllAsync() => Task.WhenAll(_streams.Select(s => s.Completion));

    /// <summary>Every choice's events, interleaved as they happen; each choice's last event carries its result.</summary>
    public async IAsyncEnumerable<ChoiceEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_streams.Length == 1)
        {
            // One choice needs no merging: its events are read directly, one thread hop fewer per token.
            await foreach (var choiceEvent in EventsOf(_streams[0], 0, cancellationToken))
            {
                yield return choiceEvent;
            }
            yield break;
        }
        var events = Channel.CreateUnbounded<ChoiceEvent>(new UnboundedChannelOptions { SingleReader = true });
        var readers = _streams.Select((stream, index) => ReadChoiceAsync(stream, index, events.Writer, cancellationToken)).ToArray();
        _ = Task.WhenAll(readers).ContinueWith(
            _ => events.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await foreach (var choiceEvent in events.Reader.ReadAllAsync(cancellationToken))
        {
            yield return choiceEvent;
        }
    }

    /// <summary>
    /// Each prompt's tokens count once, however many choices were drawn from it (a comparison's prompt is the one with
    /// the principle); with more than one choice, each one's completion tokens are listed too.
    /// </summary>
    public Usage Usage(IReadOnlyList<GenerationResult> results)
    {
        var promptTokens = 0;
        var cachedTokens = 0;
        var completionTokens = 0;
        for (var i = 0; i < results.Count; i++)
        {
            if (i % _choicesPerPrompt == 0)
            {
                promptTokens += results[i].Usage.PromptTokens;
                cachedTokens += results[i].Usage.CachedPromptTokens;
            }
            completionTokens += results[i].Usage.CompletionTokens;
        }
        return new Usage(
            promptTokens,
            completionTokens,
            promptTokens + completionTokens,
            new PromptTokensDetails(cachedTokens),
            results.Count > 1 ? [.. results.Select(result => result.Usage.CompletionTokens)] : null);
    }

    public async ValueTask DisposeAsync()
    {
        await _abandon.CancelAsync();
        _abandon.Dispose();
    }

    /// <summary>A failing choice fails the whole stream at once rather than after its siblings finish.</summary>
    private static async Task ReadChoiceAsync(GenerationStream stream, int index, ChannelWriter<ChoiceEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var choiceEvent in EventsOf(stream, index, cancellationToken))
            {
                await events.WriteAsync(choiceEvent, cancellationToken);
            }
        }
        catch (Exception e)
        {
            events.TryComplete(e);
        }
    }

    /// <summary>One choice's text as it comes, then its end carrying the result (or the error that ended it).</summary>
    private static async IAsyncEnumerable<ChoiceEvent> EventsOf(GenerationStream stream, int index, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var delta in stream.ReadDeltasAsync(cancellationToken))
        {
            // A delta with log-probabilities or steering but no text still goes out, so that a stream lists every token a whole response does.
            if (delta.Text.Length > 0 || delta.Logprobs is { Count: > 0 } || delta.Steering is { Count: > 0 })
            {
                yield return new ChoiceEvent(index, delta.Text, delta.Logprobs, delta.Steering, null);
            }
        }
        yield return new ChoiceEvent(index, string.Empty, null, null, await stream.Completion);
    }
}
