using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Serilog.Parsing;
using Serilog.Templates;

namespace LinearAlign.Server.Tests;

/// <summary>
/// A logger provider that keeps every rendered message with its structured state. The server logs through Serilog,
/// which hands each of its events on to the providers registered beside it, this one among them.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyCollection<CapturedLog> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        private const string OriginalFormat = "{OriginalFormat}";

        /// <summary>The message as the server's text log shows it: Serilog's own rendering would quote every string.</summary>
        private static readonly ExpressionTemplate Message = new("{@m}", CultureInfo.InvariantCulture);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = (state as IEnumerable<KeyValuePair<string, object?>> ?? []).ToDictionary(p => p.Key, p => p.Value);
            var message = properties.GetValueOrDefault(OriginalFormat) is string template ? Render(template, properties) : formatter(state, exception);
            entries.Enqueue(new CapturedLog(category, logLevel, message, properties));
        }

        private static string Render(string template, Dictionary<string, object?> properties)
        {
            var values = properties.Where(p => p.Key != OriginalFormat).Select(p => new LogEventProperty(p.Key, p.Value as LogEventPropertyValue ?? new ScalarValue(p.Value)));
            var text = new StringWriter(CultureInfo.InvariantCulture);
            Message.Format(new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, new MessageTemplateParser().Parse(template), values), text);
            return text.ToString();
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties);
