namespace LinearAlign.Bench.Sweep;

/// <summary>
/// The peak of what a server has in use while something runs against it, from its /metrics: scraped once before and
/// then every <see cref="Interval"/>, since the gauges say only what is in use at the moment of a scrape.
/// </summary>
public sealed class UsagePoller
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly TextWriter _log;
    private ServerUsage _peak = ServerUsage.None;
    private bool _failureNoted;

    private UsagePoller(HttpClient http, TextWriter log)
    {
        _http = http;
        _log = log;
    }

    /// <summary>Runs <paramref name="run"/> while polling <paramref name="http"/>'s server (GET metrics under its base address).</summary>
    public static async Task<(T Result, ServerUsage Peak)> DuringAsync<T>(HttpClient http, TextWriter log, Func<Task<T>> run)
    {
        var poller = new UsagePoller(http, log);
        await poller.ScrapeAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var polling = poller.PollAsync(stop.Token);
        T result;
        try
        {
            result = await run();
        }
        finally
        {
            await stop.CancelAsync();
            await polling;
        }
        return (result, poller._peak);
    }

    private async Task PollAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await ScrapeAsync(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task ScrapeAsync(CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(ScrapeTimeout);
        try
        {
            using var response = await _http.GetAsync("metrics", timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                _peak = _peak.Max(ServerUsage.Of(await response.Content.ReadAsStringAsync(timeout.Token)));
                return;
            }
            NoteFailure($"HTTP {(int)response.StatusCode}");
        }
        // A failed scrape costs the peak one sample, not the run: the run's own requests report a server in trouble.
        catch (HttpRequestException e)
        {
            NoteFailure(e.Message);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            NoteFailure($"no answer within {ScrapeTimeout.TotalSeconds:F0} s");
        }
    }

    private void NoteFailure(string reason)
    {
        if (!_failureNoted)
        {
            _failureNoted = true;
            _log.WriteLine($"note: {_http.BaseAddress}metrics failed ({reason}); the peaks of this run leave out such scrapes");
        }
    }
}
