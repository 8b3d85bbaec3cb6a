using System.Diagnostics;

namespace LinearAlign.Bench.Load;

/// <summary>How a run is carried out, apart from what it sends.</summary>
/// <param name="Label">Names the run in reports and on the progress line.</param>
/// <param name="Warmup">Requests sent one by one before timing starts and not counted: the first request to a server pays for building compute graphs and compiling code.</param>
public sealed record RunSettings(string Label, int Warmup, TimeSpan RequestTimeout, bool ShowProgress);

/// <summary>A run that could not start: the warm-up failed, so every timed request would too.</summary>
public sealed class LoadRunException(string message) : Exception(message);

/// <summary>
/// Drives one workload against one server: N clients, each taking the next request (or conversation) as soon as it
/// is free, every request streamed and timed; with a background load, beside other clients that keep the server busy.
/// </summary>
public static class LoadRunner
{
    public static async Task<LoadReport> RunAsync(LoadTarget target, Workload workload, RunSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        if (workload.Problem() is { } problem)
        {
            throw new ArgumentException($"Workload '{workload.Name}': {problem}.");
        }
        var model = await target.ModelAsync(log, cancellationToken);
        var prompts = new PromptFactory(await target.CalibrationAsync(log, cancellationToken), workload.Seed);
        var conversation = new Conversation(target, workload.Request, model, prompts, settings.RequestTimeout);

        // Warm-up requests take conversation numbers after the timed ones, so their prompts are not the timed prompts.
        for (var i = 0; i < settings.Warmup; i++)
        {
            var warmup = await conversation.RunAsync(client: 0, workload.Requests + i, turns: 1, Stopwatch.GetTimestamp(), _ => { }, cancellationToken);
            if (warmup[0].Error is { } error)
            {
                throw new LoadRunException($"{settings.Label}: the warm-up request to {target.Url} failed: {error}");
            }
        }

        var startedAt = DateTimeOffset.Now;
        var origin = Stopwatch.GetTimestamp();
        // Background conversations are numbered after the warm-ups, and their clients after the workload's own.
        var background = workload.Background is { } load
            ? new BackgroundClients(
                new Conversation(target, load.Request, model, prompts, settings.RequestTimeout), load.Clients,
                firstClient: workload.Clients, firstConversation: workload.Requests + settings.Warmup, origin, cancellationToken)
            : null;
        if (background is not null)
        {
            await background.AllStreaming;
        }

        var timings = new List<RequestTiming>(workload.TotalRequests);
        var next = -1;
        var done = 0;
        long tokens = 0;
        await using (settings.ShowProgress ? ProgressBar.Start(settings.Label, workload.TotalRequests, () => (Volatile.Read(ref done), Interlocked.Read(ref tokens))) : null)
        {
            await Task.WhenAll(Enumerable.Range(0, workload.Clients).Select(client => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) is var index && index < workload.Requests)
                {
                    var turns = await conversation.RunAsync(client, index, workload.Turns, origin, count => Interlocked.Add(ref tokens, count), cancellationToken);
                    lock (timings)
                    {
                        timings.AddRange(turns);
                    }
                    // A conversation whose turn failed ends there; its missing turns count as done for the progress bar.
                    Interlocked.Add(ref done, workload.Turns);
                }
            }, cancellationToken)));
        }
        var backgroundTimings = background is null ? null : await background.StopAsync();
        return LoadReport.Create(settings.Label, target.Url, model, workload, prompts.Calibration, startedAt,
            timings.OrderBy(t => t.StartMs).ToList(), backgroundTimings);
    }

    /// <summary>The requests of one conversation: the first prompt, then (chat) the dialog so far plus a follow-up message per turn.</summary>
    private sealed class Conversation(LoadTarget target, RequestShape shape, string? model, PromptFactory prompts, TimeSpan timeout)
    {
        public async Task<List<RequestTiming>> RunAsync(
            int client, int index, int turns, long origin, Action<int> onTokens, CancellationToken cancellationToken)
        {
            var streaming = new StreamingClient(target.Http, timeout, origin);
            var prompt = prompts.Prompt(shape.PromptTokens, shape.Prompt, index);
            var messages = new List<(string Role, string Content)>();
            if (shape.System is { } system)
            {
                messages.Add(("system", system));
            }
            messages.Add(("user", prompt));
            var timings = new List<RequestTiming>(turns);
            for (var turn = 1; turn <= turns; turn++)
            {
                var seed = prompts.SamplingSeed(index, turn);
                var body = shape.Endpoint == ApiEndpoint.Chat
                    ? RequestBody.Chat(shape, model, messages, seed)
                    : RequestBody.Completion(shape, model, prompt, seed);
                var reply = await streaming.SendAsync(shape, body, new RequestTiming { Client = client, Conversation = index, Turn = turn }, onTokens, cancellationToken);
                timings.Add(reply.Timing);
                if (reply.Timing.Error is not null)
                {
                    break;
                }
                messages.Add(("assistant", reply.Text));
                messages.Add(("user", prompts.FollowUp(index, turn)));
            }
            return timings;
        }
    }

    /// <summary>
    /// Clients that each send one request after another until told to stop. A client whose request fails stops there,
    /// rather than sending failing requests as fast as the server answers them.
    /// </summary>
    private sealed class BackgroundClients
    {
        private readonly List<RequestTiming> _timings = [];
        private readonly TaskCompletionSource[] _streaming;
        private readonly Task _clients;
        private int _next = -1;
        private volatile bool _stopping;

        /// <summary>Starts <paramref name="clients"/> clients at once, numbered from <paramref name="firstClient"/>, their conversations from <paramref name="firstConversation"/>.</summary>
        public BackgroundClients(Conversation conversation, int clients, int firstClient, int firstConversation, long origin, CancellationToken cancellationToken)
        {
            _streaming = Enumerable.Range(0, clients).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            _clients = Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(
                () => RunClientAsync(conversation, client, firstClient + client, firstConversation, origin, cancellationToken), cancellationToken)));
        }

        /// <summary>Done when every client's first request has streamed its first text, or ended without.</summary>
        public Task AllStreaming => Task.WhenAll(_streaming.Select(s => s.Task));

        /// <summary>Starts no more requests, waits for those under way, and gives all their timings in the order they started.</summary>
        public async Task<List<RequestTiming>> StopAsync()
        {
            _stopping = true;
            await _clients;
            return [.. _timings.OrderBy(t => t.StartMs)];
        }

        private async Task RunClientAsync(Conversation conversation, int client, int clientNumber, int firstConversation, long origin, CancellationToken cancellationToken)
        {
            var streaming = _streaming[client];
            try
            {
                while (!_stopping)
                {
                    var index = firstConversation + Interlocked.Increment(ref _next);
                    var timing = (await conversation.RunAsync(clientNumber, index, turns: 1, origin, count =>
                    {
                        if (count > 0)
                        {
                            streaming.TrySetResult();
                        }
                    }, cancellationToken))[0];
                    lock (_timings)
                    {
                        _timings.Add(timing);
                    }
                    if (timing.Error is not null)
                    {
                        break;
                    }
                }
            }
            finally
            {
                // Also when the first request ends without text, fails or is cancelled: the run must not wait for it.
                streaming.TrySetResult();
            }
        }
    }
}
