using System.Globalization;
using LinearAlign.Server.Options;
using Serilog;
using Serilog.Core;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Templates;

namespace LinearAlign.Server.Hosting;

public static class SerilogLogging
{
    /// <summary>
    /// The message, then any structured properties it does not show (a request line's token counts and alignment, the
    /// context of a log written while serving a request), so that the text format loses nothing the JSON one carries.
    /// </summary>
    private const string TextTemplate = "[{@t:HH:mm:ss} {@l:u3}] {SourceContext}: {@m}{#if rest(true) <> {}} {rest(true)}{#end}\n{@x}";

    /// <summary>
    /// Routes all logging through Serilog: levels (and any extra sinks) from the "Serilog" section, the console sink
    /// in Server:LogFormat, text or compact JSON. Serilog decides the levels, so Microsoft's own filters play no part.
    /// </summary>
    public static void UseServerSerilog(this WebApplicationBuilder builder)
    {
        // Other providers would print every line a second time; any added later (a test's) still get Serilog's events.
        builder.Logging.ClearProviders();
        // The logger stays the host's own rather than the static Log.Logger, so several hosts in one process (the
        // tests') keep their logs apart; request logging is handed this logger for the same reason.
        builder.Host.UseSerilog((context, _, serilog) => Configure(serilog, context.Configuration), preserveStaticLogger: true, writeToProviders: true);
    }

    /// <summary>A logger of the same configuration for reporting a failure before the host exists; disposing it flushes the output.</summary>
    public static Logger CreateLogger(IConfiguration configuration) =>
        Configure(new LoggerConfiguration(), configuration).Enrich.WithProperty(Constants.SourceContextPropertyName, "LinearAlign.Server").CreateLogger();

    private static LoggerConfiguration Configure(LoggerConfiguration serilog, IConfiguration configuration)
    {
        var json = string.Equals(configuration[$"{ServerOptions.SectionName}:{nameof(ServerOptions.LogFormat)}"], "json", StringComparison.OrdinalIgnoreCase);
        ITextFormatter format = json ? new RenderedCompactJsonFormatter() : new ExpressionTemplate(TextTemplate, CultureInfo.InvariantCulture);
        return serilog.ReadFrom.Configuration(configuration).Enrich.FromLogContext().WriteTo.Console(format);
    }
}
