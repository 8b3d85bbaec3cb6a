using Microsoft.Extensions.Logging.Abstractions;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using LinearAlign.Engine.Model;
using Microsoft.Extensions.Logging;

using LinearAlign.Forge.Models;
using LinearAlign.TestFixtures;

namespace LinearAlign.Engine.Tests.Model;

public sealed class ModelDownloaderTests : IClassFixture<ModelDownloaderTests.PayloadServer>, IDisposable
{
    private readonly PayloadServer _server;
    private readonly string _cacheDir = Path.Combine(Path.GetTempPath(), "linearalign-downloader-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private readonly ListLogger _logger = new();

    public ModelDownloaderTests(PayloadServer server) => _server = server;

    public void Dispose()
    {
        _http.Dispose();
        if (Directory.Exists(_cacheDir))
        {
            Directory.Delete(_cacheDir, recursive: true);
        }
    }

    private ModelDownloader CreateDownloader() => new(_http, _logger);

    [Fact]
    public async Task Downloads_file_into_cache_and_returns_its_path()
    {
        var route = _server.AddRoute();

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, null, CancellationToken.None);

        Assert.Equal(Path.Combine(_cacheDir, "model.gguf"), path);
        Assert.Equal(_server.Payload, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(path + ".partial"));
        Assert.Equal([null], route.RangeHeaders);
    }

    [Fact]
    public async Task Names_the_file_after_the_sanitised_last_url_segment()
    {
        var route = _server.AddRoute("..%2F..%2Fevil%20model.gguf");

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, null, CancellationToken.None);

        Assert.Equal(Path.Combine(_cacheDir, "_.._evil_model.gguf"), path);
    }

    [Fact]
    public async Task Verifies_sha256_when_given()
    {
        var route = _server.AddRoute();

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256.ToUpperInvariant(), CancellationToken.None);

        Assert.Equal(_server.Payload, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Rejects_file_whose_sha256_differs_and_leaves_no_file()
    {
        var route = _server.AddRoute();
        var wrongHash = new string('0', 64);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => CreateDownloader().DownloadAsync(route.Url, _cacheDir, wrongHash, CancellationToken.None));

        Assert.Contains(wrongHash, error.Message);
        Assert.Contains(_server.PayloadSha256, error.Message);
        Assert.Empty(Directory.GetFiles(_cacheDir));
    }

    [Fact]
    public async Task Resumes_an_interrupted_download_with_a_range_request()
    {
        const int cutAfter = 1_500_000;
        var route = _server.AddRoute(cutFirstResponseAfter: cutAfter);
        var downloader = CreateDownloader();

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => downloader.DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256, CancellationToken.None));
        var partialLength = new FileInfo(Path.Combine(_cacheDir, "model.gguf.partial")).Length;
        var path = await downloader.DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256, CancellationToken.None);

        Assert.Contains("run again to resume", error.Message);
        Assert.Equal(cutAfter, partialLength);
        Assert.Equal([null, $"bytes={cutAfter}-"], route.RangeHeaders);
        Assert.Equal(_server.Payload, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Restarts_when_server_ignores_range()
    {
        var route = _server.AddRoute(ignoreRange: true);
        WritePartial(_server.Payload.AsSpan(0, 1000));

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256, CancellationToken.None);

        Assert.Equal(["bytes=1000-"], route.RangeHeaders);
        Assert.Equal(_server.Payload, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Treats_a_complete_partial_as_done_when_server_answers_416()
    {
        var route = _server.AddRoute();
        WritePartial(_server.Payload);

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256, CancellationToken.None);

        Assert.Equal([$"bytes={_server.Payload.Length}-"], route.RangeHeaders);
        Assert.Equal(_server.Payload, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Starts_over_when_the_partial_is_longer_than_the_file_on_the_server()
    {
        var route = _server.AddRoute();
        WritePartial([.. _server.Payload, .. new byte[10]]);

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256, CancellationToken.None);

        Assert.Equal([$"bytes={_server.Payload.Length + 10}-", null], route.RangeHeaders);
        Assert.Equal(_server.Payload, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Returns_cached_file_without_a_request()
    {
        var route = _server.AddRoute();
        Directory.CreateDirectory(_cacheDir);
        var cachedPath = Path.Combine(_cacheDir, "model.gguf");
        await File.WriteAllBytesAsync(cachedPath, _server.Payload);

        var path = await CreateDownloader().DownloadAsync(route.Url, _cacheDir, _server.PayloadSha256, CancellationToken.None);

        Assert.Equal(cachedPath, path);
        Assert.Empty(route.RangeHeaders);
    }

    [Fact]
    public async Task Cancellation_propagates_and_keeps_the_partial_for_resume()
    {
        const int stallAfter = 1_000_000;
        var route = _server.AddRoute(stallFirstResponseAfter: stallAfter);
        var partialPath = Path.Combine(_cacheDir, "model.gguf.partial");
        using var cancellation = new CancellationTokenSource();

        var download = CreateDownloader().DownloadAsync(route.Url, _cacheDir, null, cancellation.Token);
        await WaitUntilAsync(() => File.Exists(partialPath) && new FileInfo(partialPath).Length == stallAfter);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);
        Assert.Equal(stallAfter, new FileInfo(partialPath).Length);
        Assert.False(File.Exists(Path.Combine(_cacheDir, "model.gguf")));
    }

    [Fact]
    public async Task Logs_start_progress_with_percent_and_finish()
    {
        var route = _server.AddRoute();

        await CreateDownloader().DownloadAsync(route.Url, _cacheDir, null, CancellationToken.None);

        Assert.All(_logger.Messages, entry => Assert.Equal(LogLevel.Information, entry.Level));
        var messages = _logger.Messages.Select(entry => entry.Message).ToList();
        Assert.StartsWith("Downloading model", messages[0]);
        Assert.Contains(messages, message => message.Contains("(100%)", StringComparison.Ordinal) && message.Contains("MB/s", StringComparison.Ordinal));
        Assert.InRange(messages.Count(message => message.Contains('%', StringComparison.Ordinal)), 1, 10);
        Assert.Contains(messages, message => message.StartsWith("Finished downloading", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unreachable_server_gives_one_line_error_naming_Model_Path()
    {
        var url = new Uri($"http://127.0.0.1:{PayloadServer.ClosedPort()}/model.gguf");

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => CreateDownloader().DownloadAsync(url, _cacheDir, null, CancellationToken.None));

        Assert.StartsWith($"Could not download the model from {url}: ", error.Message);
        Assert.EndsWith("Set Model:Path to a local GGUF file to run offline.", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_server_that_stalls_mid_body_fails_the_download_and_keeps_the_partial()
    {
        const int stallAfter = 1_000_000;
        var route = _server.AddRoute(stallFirstResponseAfter: stallAfter);
        var downloader = new ModelDownloader(_http, NullLogger<ModelDownloader>.Instance, stallTimeout: TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => downloader.DownloadAsync(route.Url, _cacheDir, null, CancellationToken.None));

        Assert.Contains("run again to resume", error.Message);
        Assert.Equal(stallAfter, new FileInfo(Path.Combine(_cacheDir, "model.gguf.partial")).Length);
    }

    [Fact]
    public async Task Slow_server_gives_timeout_error()
    {
        var route = _server.AddRoute(delayHeaders: TimeSpan.FromSeconds(5));
        _http.Timeout = TimeSpan.FromMilliseconds(200);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => CreateDownloader().DownloadAsync(route.Url, _cacheDir, null, CancellationToken.None));

        Assert.Contains("did not answer in time", error.Message);
        Assert.Contains("Model:Path", error.Message);
    }

    [Fact]
    public async Task Not_found_gives_clear_error()
    {
        var url = new Uri(_server.BaseUrl, "no-such-model.gguf");

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => CreateDownloader().DownloadAsync(url, _cacheDir, null, CancellationToken.None));

        Assert.Equal(
            $"Could not download the model from {url}: the server answered 404 Not Found. Set Model:Path to a local GGUF file to run offline.",
            error.Message);
        Assert.False(File.Exists(Path.Combine(_cacheDir, "no-such-model.gguf")));
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/model.gguf")]
    [InlineData("file:///tmp/model.gguf")]
    public async Task Rejects_urls_that_are_not_http_or_https(string url)
    {
        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => CreateDownloader().DownloadAsync(new Uri(url), _cacheDir, null, CancellationToken.None));

        Assert.Contains("http or https", error.Message);
    }

    [Fact]
    public async Task Rejects_an_expected_sha256_that_is_not_64_hex_digits()
    {
        var route = _server.AddRoute();

        var error = await Assert.ThrowsAsync<ModelDownloadException>(
            () => CreateDownloader().DownloadAsync(route.Url, _cacheDir, "abc", CancellationToken.None));

        Assert.Contains("64 hexadecimal digits", error.Message);
        Assert.Empty(route.RangeHeaders);
    }

    private void WritePartial(ReadOnlySpan<byte> bytes)
    {
        Directory.CreateDirectory(_cacheDir);
        using var file = File.Create(Path.Combine(_cacheDir, "model.gguf.partial"));
        file.Write(bytes);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the download to progress.");
            await Task.Delay(10);
        }
    }

    /// <summary>A loopback HTTP server serving a generated GGUF model of a few MB, with per-route misbehaviour.</summary>
    public sealed class PayloadServer : IDisposable
    {
        /// <summary>The tiny shape with a larger vocabulary: about 4 MB, so a download takes several reads.</summary>
        public static readonly ForgeSpec Model = new(LlamaShape.Tiny with { VocabSize = 8192 }, Name: "download-test");

        private readonly HttpListener _listener;
        private readonly ConcurrentDictionary<string, Route> _routes = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _serving;

        public PayloadServer()
        {
            Payload = File.ReadAllBytes(TinyModels.For(Model));
            PayloadSha256 = Convert.ToHexStringLower(SHA256.HashData(Payload));
            (_listener, BaseUrl) = StartListener();
            _serving = ServeAsync();
        }

        public byte[] Payload { get; }

        public string PayloadSha256 { get; }

        public Uri BaseUrl { get; }

        public Route AddRoute(
            string fileName = "model.gguf",
            int? cutFirstResponseAfter = null,
            int? stallFirstResponseAfter = null,
            bool ignoreRange = false,
            TimeSpan? delayHeaders = null)
        {
            var route = new Route(
                new Uri(BaseUrl, $"{Guid.NewGuid():N}/{fileName}"), cutFirstResponseAfter, stallFirstResponseAfter, ignoreRange, delayHeaders ?? TimeSpan.Zero);
            _routes[route.Url.AbsolutePath] = route;
            return route;
        }

        public static int ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        public void Dispose()
        {
            _stopping.Cancel();
            _listener.Close();
            _serving.Wait(TimeSpan.FromSeconds(5));
            _stopping.Dispose();
        }

        private static (HttpListener Listener, Uri BaseUrl) StartListener()
        {
            // The free port found may be taken by someone else before HttpListener binds it, so try a few.
            for (var attempt = 1; ; attempt++)
            {
                var baseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}/");
                var listener = new HttpListener();
                listener.Prefixes.Add(baseUrl.ToString());
                try
                {
                    listener.Start();
                    return (listener, baseUrl);
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }
        }

        private async Task ServeAsync()
        {
            while (!_stopping.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stopping.IsCancellationRequested)
                {
                    return;
                }

                _ = Task.Run(() => HandleAsync(context));
            }
        }

        private async Task HandleAsync(HttpListenerContext context)
        {
            var response = context.Response;
            try
            {
                if (!_routes.TryGetValue(context.Request.Url!.AbsolutePath, out var route))
                {
                    response.StatusCode = 404;
                    response.Close();
                    return;
                }

                var rangeHeader = context.Request.Headers["Range"];
                var isFirstRequest = route.Record(rangeHeader);
                await Task.Delay(route.DelayHeaders, _stopping.Token);

                var from = 0;
                if (!route.IgnoreRange && rangeHeader is not null)
                {
                    from = int.Parse(rangeHeader["bytes=".Length..^1]);
                    if (from >= Payload.Length)
                    {
                        response.StatusCode = 416;
                        response.Headers["Content-Range"] = $"bytes */{Payload.Length}";
                        response.Close();
                        return;
                    }

                    response.StatusCode = 206;
                    response.Headers["Content-Range"] = $"bytes {from}-{Payload.Length - 1}/{Payload.Length}";
                }

                response.ContentLength64 = Payload.Length - from;
                var stream = response.OutputStream;
                if (isFirstRequest && route.CutFirstResponseAfter is { } cutAfter)
                {
                    await stream.WriteAsync(Payload.AsMemory(from, cutAfter), _stopping.Token);
                    response.Abort();
                    return;
                }

                if (isFirstRequest && route.StallFirstResponseAfter is { } stallAfter)
                {
                    await stream.WriteAsync(Payload.AsMemory(from, stallAfter), _stopping.Token);
                    await Task.Delay(Timeout.Infinite, _stopping.Token);
                }

                await stream.WriteAsync(Payload.AsMemory(from), _stopping.Token);
                response.Close();
            }
            catch (Exception)
            {
                // The client went away (cancelled, timed out) or the server is stopping.
                response.Abort();
            }
        }
    }

    public sealed class Route(Uri url, int? cutFirstResponseAfter, int? stallFirstResponseAfter, bool ignoreRange, TimeSpan delayHeaders)
    {
        private readonly List<string?> _rangeHeaders = [];

        public Uri Url { get; } = url;

        public int? CutFirstResponseAfter { get; } = cutFirstResponseAfter;

        public int? StallFirstResponseAfter { get; } = stallFirstResponseAfter;

        public bool IgnoreRange { get; } = ignoreRange;

        public TimeSpan DelayHeaders { get; } = delayHeaders;

        /// <summary>The Range header of each request, in order; null where there was none.</summary>
        public IReadOnlyList<string?> RangeHeaders
        {
            get
            {
                lock (_rangeHeaders)
                {
                    return [.. _rangeHeaders];
                }
            }
        }

        /// <summary>Records a request and says whether it was the first.</summary>
        public bool Record(string? rangeHeader)
        {
            lock (_rangeHeaders)
            {
                _rangeHeaders.Add(rangeHeader);
                return _rangeHeaders.Count == 1;
            }
        }
    }

    private sealed class ListLogger : ILogger<ModelDownloader>
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Message)> _messages = new();

        public IReadOnlyList<(LogLevel Level, string Message)> Messages => [.. _messages];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue((logLevel, formatter(state, exception)));
    }
}
