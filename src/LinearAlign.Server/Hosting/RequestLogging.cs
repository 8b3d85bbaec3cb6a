using LinearAlign.Server.Contracts;
using Serilog;
using Serilog.Events;

namespace LinearAlign.Server.Hosting;

/// <summary>
/// One structured line per request, written by Serilog's request logging when the request ends: method, path,
/// status, duration and request id (also returned as X-Request-Id), plus what a generation endpoint records through
/// <see cref="IDiagnosticContext"/>: token counts and whether it was aligned. Never the prompt or principle. Health
/// probes and metric scrapes log at Debug, being many and dull (the inference gateway's picker scrapes every replica
/// four times a second).
/// </summary>
public static class RequestLogging
{
    private const string Template = "{Method} {Path} {StatusCode} in {ElapsedMs:0.0} ms, {RequestId}";

    /// <summary>Status logged for a request whose client went away before a response started (nginx's convention).</summary>
    private const int ClientClosedRequest = 499;

    public static WebApplication UseServerRequestLog(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            http.TraceIdentifier = $"req_{Guid.NewGuid():N}";
            http.Response.Headers["X-Request-Id"] = http.TraceIdentifier;
            return next(http);
        });
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = Template;
            options.GetLevel = (http, _, exception) =>
                exception is not null ? LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics") ? LogEventLevel.Debug
                : LogEventLevel.Information;
            options.EnrichDiagnosticContext = (log, http) => log.Set("RequestId", http.TraceIdentifier);
            options.GetMessageTemplateProperties = (http, path, elapsedMs, status) =>
            [
                new LogEventProperty("Method", new ScalarValue(http.Request.Method)),
                new LogEventProperty("Path", new ScalarValue(path)),
                new LogEventProperty("StatusCode", new ScalarValue(http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? ClientClosedRequest : status)),
                new LogEventProperty("ElapsedMs", new ScalarValue(elapsedMs)),
            ];
        });
        return app;
    }

    public static void RecordAlignment(this IDiagnosticContext log, bool aligned) => log.Set("Aligned", aligned);

    public static void RecordUsage(this IDiagnosticContext log, Usage usage)
    {
        log.Set("PromptTokens", usage.PromptTokens);
        log.Set("CompletionTokens", usage.CompletionTokens);
    }
}
