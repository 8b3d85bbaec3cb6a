using System.Diagnostics;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Hosting;

/// <summary>What a generation endpoint tells the request log about the request it served.</summary>
public sealed class RequestLogFeature
{
    public bool? Aligned { get; set; }

    public int? PromptTokens { get; private set; }

    public int? CompletionTokens { get; private set; }

    public void Record(Usage usage)
    {
        PromptTokens = usage.PromptTokens;
        CompletionTokens = usage.CompletionTokens;
    }
}

/// <summary>
/// One structured line per request: method, path, status, duration, token counts, aligned or not, request id (also
/// returned as X-Request-Id). Never the prompt or principle. Health probes log at Debug, being many and dull.
/// </summary>
public sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        http.TraceIdentifier = $"req_{Guid.NewGuid():N}";
        http.Response.Headers["X-Request-Id"] = http.TraceIdentifier;
        var log = new RequestLogFeature();
        http.Features.Set(log);
        try
        {
            await next(http);
        }
        finally
        {
            var level = http.Request.Path.StartsWithSegments("/health") ? LogLevel.Debug : LogLevel.Information;
            var status = http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? 499 : http.Response.StatusCode;
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (log.PromptTokens is null)
            {
                logger.Log(level, "{Method} {Path} {StatusCode} in {ElapsedMs:0.0} ms, {RequestId}",
                    http.Request.Method, http.Request.Path.Value, status, elapsedMs, http.TraceIdentifier);
            }
            else
            {
                logger.Log(level, "{Method} {Path} {StatusCode} in {ElapsedMs:0.0} ms, tokens {PromptTokens}+{CompletionTokens}, aligned {Aligned}, {RequestId}",
                    http.Request.Method, http.Request.Path.Value, status, elapsedMs, log.PromptTokens, log.CompletionTokens, log.Aligned, http.TraceIdentifier);
            }
        }
    }
}
