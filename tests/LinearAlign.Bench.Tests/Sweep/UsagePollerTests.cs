using System.Net;
using LinearAlign.Bench.Sweep;

namespace LinearAlign.Bench.Tests.Sweep;

public sealed class UsagePollerTests
{
    [Fact]
    public async Task The_peak_is_the_largest_of_the_scrape_before_the_run_and_those_during_it()
    {
        var metrics = new Scrapes(
            (HttpStatusCode.OK, "linearalign_kv_cells_used 10\nlinearalign_device_memory_used_bytes{device=\"CUDA0\"} 4096\n"),
            (HttpStatusCode.OK, "linearalign_kv_cells_used 50\n"),
            (HttpStatusCode.OK, "linearalign_kv_cells_used 30\nlinearalign_device_memory_used_bytes{device=\"CUDA0\"} 1024\n"));
        using var http = metrics.Client();

        var (result, peak) = await UsagePoller.DuringAsync(http, TextWriter.Null, async () =>
        {
            await metrics.Served(4);
            return "done";
        });

        Assert.Equal("done", result);
        Assert.Equal(new ServerUsage(50, 4096), peak);
    }

    [Fact]
    public async Task A_failed_scrape_is_noted_once_and_costs_the_peak_only_that_sample()
    {
        var metrics = new Scrapes(
            (HttpStatusCode.OK, "linearalign_kv_cells_used 10\n"),
            (HttpStatusCode.NotFound, ""),
            (HttpStatusCode.NotFound, ""),
            (HttpStatusCode.OK, "linearalign_kv_cells_used 20\n"));
        using var http = metrics.Client();
        var log = new StringWriter();

        var (_, peak) = await UsagePoller.DuringAsync(http, log, async () =>
        {
            await metrics.Served(5);
            return 0;
        });

        Assert.Equal(new ServerUsage(20, null), peak);
        Assert.Equal(["note: http://server/metrics failed (HTTP 404); the peaks of this run leave out such scrapes"], log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_run_that_fails_stops_the_polling_and_fails_the_same()
    {
        var metrics = new Scrapes((HttpStatusCode.OK, "linearalign_kv_cells_used 10\n"));
        using var http = metrics.Client();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            UsagePoller.DuringAsync<int>(http, TextWriter.Null, () => throw new InvalidOperationException("the run failed")));
        var served = metrics.Count;
        await Task.Delay(3 * UsagePoller.Interval);

        Assert.Equal(served, metrics.Count);
    }

    /// <summary>GET /metrics answered with each given reply in turn, then the last one again.</summary>
    private sealed class Scrapes(params (HttpStatusCode Status, string Text)[] replies) : HttpMessageHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public HttpClient Client() => new(this) { BaseAddress = new Uri("http://server/") };

        /// <summary>Done once <paramref name="count"/> scrapes have been asked for, and so all before the last answered.</summary>
        public async Task Served(int count)
        {
            while (Count < count)
            {
                await Task.Delay(10);
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("http://server/metrics", request.RequestUri!.ToString());
            var (status, text) = replies[Math.Min(Interlocked.Increment(ref _count), replies.Length) - 1];
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(text) });
        }
    }
}
