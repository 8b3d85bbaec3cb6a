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
/// is free, every request streamed and timed.
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
        var conversation = new Conversation(target, workload, model, prompts, settings.RequestTimeout);

        // Warm-up requests take conversation numbers after the timed ones, so their prompts are not the timed prompts.
        for (var i = 0; i < settings.Warmup; i++)
        {
            var warmup = await conversation.RunAsync(client: 0, workload.Requests + i, turns: 1, Stopwatch.GetTimestamp(), _ => { }, cancellationToken);
            if (warmup[0].Error is { } error)
            {
                throw new LoadRunException($"{settings.Label}: the warm-up request to {target.Url} failed: {error}");
            }
        }

        var timings = new List<RequestTiming>(workload.TotalRequests);
        var next = -1;
        var done = 0;
        long tokens = 0;
        var startedAt = DateTimeOffset.Now;
        var origin = Stopwatch.GetTimestamp();
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
        return LoadReport.Create(settings.Label, target.Url, model, workload, prompts.Calibration, startedAt,
            timings.OrderBy(t => t.StartMs).ToList());
    }

    /// <summary>The requests of one conversation: the first prompt, then (chat) the dialog so far plus a follow-up message per turn.</summary>
    private sealed class Conversation(LoadTarget target, Workload workload, string? model, PromptFactory prompts, TimeSpan timeout)
    {
        public async Task<List<RequestTiming>> RunAsync(
            int client, int index, int turns, long origin, Action<int> onTokens, CancellationToken cancellationToken)
        {
            var streaming = new StreamingClient(target.Http, timeout, origin);
            var prompt = prompts.Prompt(workload.PromptTokens, workload.Prompt, index);
            var messages = new List<(string Role, string Content)>();
            if (workload.System is { } system)
            {
                messages.Add(("system", system));
            }
            messages.Add(("user", prompt));
            var timings = new List<RequestTiming>(turns);
            for (var turn = 1; turn <= turns; turn++)
            {
                var body = workload.Endpoint == ApiEndpoint.Chat
                    ? RequestBody.Chat(workload, model, messages)
                    : RequestBody.Completion(workload, model, prompt);
                var reply = await streaming.SendAsync(workload.Endpoint, body, new RequestTiming { Client = client, Conversation = index, Turn = turn }, onTokens, cancellationToken);
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
}
