using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Model;

/// <summary>The model named by Model:Url could not be fetched; the message is one line, fit for the server log.</summary>
public sealed class ModelDownloadException : Exception
{
    public ModelDownloadException(string message)
        : base(message)
    {
    }

    public ModelDownloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Fetches a model file over HTTP(S) into a cache directory, resuming interrupted downloads.</summary>
public sealed partial class ModelDownloader
{
    private const int BufferSize = 1024 * 1024;
    private const string PartialSuffix = ".partial";
    private const double BytesPerMegabyte = 1_000_000;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly ILogger<ModelDownloader> _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stallTimeout;

    /// <param name="stallTimeout">
    /// How long a body read may wait for data before the download fails (and can resume later): HttpClient.Timeout
    /// only covers the wait for the response headers. Default 60 s.
    /// </param>
    public ModelDownloader(HttpClient http, ILogger<ModelDownloader> logger, TimeProvider? time = null, TimeSpan? stallTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(logger);
        _http = http;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _stallTimeout = stallTimeout ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>
    /// Returns the path of the complete, verified file <c>cacheDir/&lt;file name from the URL&gt;</c>,
    /// downloading it (or the rest of an earlier partial download) when it is not cached yet.
    /// </summary>
    public async Task<string> DownloadAsync(Uri url, string cacheDir, string? expectedSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDir);
        EnsureHttpUrl(url);
        var expectedHash = NormaliseExpectedHash(url, expectedSha256);
        var targetPath = Path.Combine(cacheDir, FileNameFrom(url));

        if (await IsCachedAsync(targetPath, expectedHash, cancellationToken).ConfigureAwait(false))
        {
            LogUsingCached(targetPath);
            return targetPath;
        }

        Directory.CreateDirectory(cacheDir);
        var partialPath = targetPath + PartialSuffix;
        var actualHash = await DownloadToPartialAsync(url, partialPath, cancellationToken).ConfigureAwait(false);

        if (expectedHash is not null)
        {
            if (actualHash != expectedHash)
            {
                File.Delete(partialPath);
                throw Failure(url, $"its SHA-256 is {actualHash} but {expectedHash} was expected");
            }

            LogVerified(expectedHash);
        }

        File.Move(partialPath, targetPath, overwrite: true);
        LogReady(targetPath);
        return targetPath;
    }

    private static void EnsureHttpUrl(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ModelDownloadException($"Model:Url must be an absolute http or https URL, got '{url}'.");
        }
    }

    private static string? NormaliseExpectedHash(Uri url, string? expectedSha256)
    {
        if (string.IsNullOrWhiteSpace(expectedSha256))
        {
            return null;
        }

        var hash = expectedSha256.Trim();
        if (hash.Length != SHA256.HashSizeInBytes * 2 || !hash.All(char.IsAsciiHexDigit))
        {
            throw new ModelDownloadException($"The expected SHA-256 of {url} must be 64 hexadecimal digits, got '{hash}'.");
        }

        return hash.ToLowerInvariant();
    }

    private static string FileNameFrom(Uri url)
    {
        var path = url.AbsolutePath;
        var lastSegment = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        // Only characters that are safe in a file name on every platform; leading dots would make "." or ".." or a hidden file.
        var fileName = new string(lastSegment.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray())
            .TrimStart('.');
        if (fileName.Length == 0)
        {
            throw new ModelDownloadException($"Model:Url must end with a file name, got '{url}'.");
        }

        return fileName;
    }

    private async Task<bool> IsCachedAsync(string targetPath, string? expectedHash, CancellationToken cancellationToken)
    {
        if (!File.Exists(targetPath))
        {
            return false;
        }

        if (expectedHash is null)
        {
            return true;
        }

        await using var file = new FileStream(targetPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous);
        var actualHash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        if (actualHash == expectedHash)
        {
            return true;
        }

        LogCachedHashMismatch(targetPath, actualHash, expectedHash);
        return false;
    }

    /// <summary>Brings <paramref name="partialPath"/> to the complete file and returns its SHA-256 in lower-case hex.</summary>
    private async Task<string> DownloadToPartialAsync(Uri url, string partialPath, CancellationToken cancellationToken)
    {
        var resumeFrom = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        var response = await SendAsync(url, resumeFrom, cancellationToken).ConfigureAwait(false);
        try
        {
            if (resumeFrom > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                if (response.Content.Headers.ContentRange?.Length == resumeFrom)
                {
                    LogPartialAlreadyComplete(partialPath, resumeFrom);
                    return await WritePartialAsync(url, partialPath, resumeFrom, body: null, resumeFrom, cancellationToken).ConfigureAwait(false);
                }

                LogPartialDiscarded(partialPath, resumeFrom);
                response.Dispose();
                resumeFrom = 0;
                response = await SendAsync(url, resumeFrom, cancellationToken).ConfigureAwait(false);
            }

            long? totalBytes;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                var range = response.Content.Headers.ContentRange;
                if (range?.From != resumeFrom)
                {
                    throw Failure(url, $"the server sent range '{range}' when bytes from {resumeFrom} were asked for");
                }

                totalBytes = range.Length;
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                if (resumeFrom > 0)
                {
                    LogRangeIgnored(url, resumeFrom);
                    resumeFrom = 0;
                }

                totalBytes = response.Content.Headers.ContentLength;
            }
            else
            {
                throw Failure(url, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}");
            }

            LogStarting(url, partialPath, resumeFrom, totalBytes?.ToString(CultureInfo.InvariantCulture) ?? "an unknown number of");
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await WritePartialAsync(url, partialPath, resumeFrom, body, totalBytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            response.Dispose();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, long resumeFrom, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (resumeFrom > 0)
        {
            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
        }

        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Failure(url, ex.Message, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(url, "the server did not answer in time", ex);
        }
    }

    /// <summary>
    /// Hashes the first <paramref name="resumeFrom"/> bytes already in the partial file, appends <paramref name="body"/>
    /// (when there is one) and returns the SHA-256 of the whole file.
    /// </summary>
    private async Task<string> WritePartialAsync(
        Uri url, string partialPath, long resumeFrom, Stream? body, long? totalBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            // Writes already come in 1 MiB chunks from the pooled buffer; FileStream's own buffer (off: bufferSize 0) would only add a copy.
            await using var file = new FileStream(
                partialPath, resumeFrom > 0 ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);

            await HashExistingAsync(file, resumeFrom, hash, buffer, cancellationToken).ConfigureAwait(false);
            if (body is not null)
            {
                await ReceiveAsync(url, body, file, hash, buffer, resumeFrom, totalBytes, cancellationToken).ConfigureAwait(false);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task HashExistingAsync(FileStream file, long length, IncrementalHash hash, byte[] buffer, CancellationToken cancellationToken)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"{file.Name} is shorter than the {length} bytes it had when the download started.");
            }

            hash.AppendData(buffer, 0, read);
            remaining -= read;
        }
    }

    private async Task ReceiveAsync(
        Uri url, Stream body, FileStream file, IncrementalHash hash, byte[] buffer, long resumeFrom, long? totalBytes, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetTimestamp();
        var lastLoggedAt = startedAt;
        var lastLoggedTenth = TenthsDone(resumeFrom, totalBytes);
        var received = 0L;
        int read;
        while ((read = await ReadBodyAsync(url, body, buffer, resumeFrom + received, totalBytes, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer, 0, read);
            received += read;

            var now = _time.GetTimestamp();
            var tenth = TenthsDone(resumeFrom + received, totalBytes);
            if (_time.GetElapsedTime(lastLoggedAt, now) >= ProgressInterval || tenth > lastLoggedTenth)
            {
                LogProgressLine(resumeFrom + received, totalBytes, MegabytesPerSecond(received, _time.GetElapsedTime(startedAt, now)));
                lastLoggedAt = now;
                lastLoggedTenth = tenth;
            }
        }

        var done = resumeFrom + received;
        if (totalBytes is not null && done != totalBytes)
        {
            throw ConnectionBroke(url, done, totalBytes);
        }

        var elapsed = _time.GetElapsedTime(startedAt);
        LogFinished(url, received, elapsed.TotalSeconds, MegabytesPerSecond(received, elapsed));
    }

    private async ValueTask<int> ReadBodyAsync(
        Uri url, Stream body, byte[] buffer, long bytesSoFar, long? totalBytes, CancellationToken cancellationToken)
    {
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stalled.CancelAfter(_stallTimeout);
        try
        {
            return await body.ReadAsync(buffer.AsMemory(), stalled.Token).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw ConnectionBroke(url, bytesSoFar, totalBytes, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ConnectionBroke(url, bytesSoFar, totalBytes, ex);
        }
    }

    private static ModelDownloadException ConnectionBroke(Uri url, long bytesSoFar, long? totalBytes, Exception? innerException = null)
    {
        var progress = totalBytes is null ? $"{bytesSoFar} bytes" : $"{bytesSoFar} of {totalBytes} bytes";
        return Failure(url, $"the connection broke after {progress}; run again to resume", innerException);
    }

    private void LogProgressLine(long done, long? totalBytes, double megabytesPerSecond)
    {
        if (totalBytes is > 0)
        {
            LogProgress(done / BytesPerMegabyte, totalBytes.Value / BytesPerMegabyte, done * 100 / totalBytes.Value, megabytesPerSecond);
        }
        else
        {
            LogProgressUnknownTotal(done / BytesPerMegabyte, megabytesPerSecond);
        }
    }

    private static int TenthsDone(long done, long? totalBytes) =>
        totalBytes is > 0 ? (int)(done * 10 / totalBytes.Value) : 0;

    private static double MegabytesPerSecond(long bytes, TimeSpan elapsed) =>
        elapsed > TimeSpan.Zero ? bytes / BytesPerMegabyte / elapsed.TotalSeconds : 0;

    private static ModelDownloadException Failure(Uri url, string reason, Exception? innerException = null)
    {
        var oneLineReason = string.Join(' ', reason.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');
        var message = $"Could not download the model from {url}: {oneLineReason}. Set Model:Path to a local GGUF file to run offline.";
        return innerException is null ? new ModelDownloadException(message) : new ModelDownloadException(message, innerException);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Using cached model {Path}")]
    private partial void LogUsingCached(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cached model {Path} has SHA-256 {ActualSha256}, expected {ExpectedSha256}; downloading it again")]
    private partial void LogCachedHashMismatch(string path, string actualSha256, string expectedSha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partial download {Path} already holds all {Bytes} bytes")]
    private partial void LogPartialAlreadyComplete(string path, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partial download {Path} ({Bytes} bytes) does not fit the file on the server; starting over")]
    private partial void LogPartialDiscarded(string path, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server ignored the request to resume {Url} at byte {Offset}; starting over")]
    private partial void LogRangeIgnored(Uri url, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading model {Url} to {Path} from byte {Offset} of {TotalBytes} bytes")]
    private partial void LogStarting(Uri url, string path, long offset, string totalBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {MegabytesDone:F1} of {MegabytesTotal:F1} MB ({Percent}%) at {MegabytesPerSecond:F1} MB/s")]
    private partial void LogProgress(double megabytesDone, double megabytesTotal, long percent, double megabytesPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {MegabytesDone:F1} MB at {MegabytesPerSecond:F1} MB/s")]
    private partial void LogProgressUnknownTotal(double megabytesDone, double megabytesPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Finished downloading {Url}: {Bytes} bytes in {Seconds:F1} s ({MegabytesPerSecond:F1} MB/s)")]
    private partial void LogFinished(Uri url, long bytes, double seconds, double megabytesPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model SHA-256 verified: {Sha256}")]
    private partial void LogVerified(string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model ready at {Path}")]
    private partial void LogReady(string path);
}
