using LinearAlign.Server.Options;
using Serilog;
using Serilog.Formatting.Json;

namespace LinearAlign.Server.Hosting;

public static class SerilogLogging
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Routes all logging through Serilog: levels (and any extra sinks) from the "Serilog" section, the console sink
    /// in Server:LogFormat, text or JSON. Serilog decides the levels, so Microsoft's own filter lets everything through.
    /// </summary>
    public static void UseSerilog(this ILoggingBuilder logging, IConfiguration configuration)
    {
        var json = string.Equals(configuration[$"{ServerOptions.SectionName}:{nameof(ServerOptions.LogFormat)}"], "json", StringComparison.OrdinalIgnoreCase);
        var serilog = new LoggerConfiguration().ReadFrom.Configuration(configuration).Enrich.FromLogContext();
        serilog = json
            ? serilog.WriteTo.Console(new JsonFormatter(renderMessage: true))
            : serilog.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddSerilog(serilog.CreateLogger(), dispose: true);
    }
}
