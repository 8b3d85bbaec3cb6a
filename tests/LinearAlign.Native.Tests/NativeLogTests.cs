using LinearAlign.Native.Interop;
using LinearAlign.TestFixtures;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Native.Tests;

public sealed class NativeLogTests : IDisposable
{
    private readonly RecordingLogger _logger = new();

    public NativeLogTests()
    {
        NativeTestLock.Enter();
        NativeRuntimeFixture.EnsureLoaded();
        LlamaRuntime.Initialize(LlamaRuntime.DefaultLibraryDirectory, _logger);
    }

    public void Dispose() => LlamaRuntime.Initialize(LlamaRuntime.DefaultLibraryDirectory, NullLogger.Instance);

    [Fact]
    public void Llama_cpp_load_chatter_arrives_as_whole_lines_at_debug_level()
    {
        var model = LlamaApi.ModelLoadFromFile(TinyModels.Default, LlamaApi.ModelDefaultParams());
        LlamaApi.ModelFree(model);

        Assert.NotEqual(0, model);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Debug && e.Message.StartsWith("llama_model_loader:", StringComparison.Ordinal));
        Assert.DoesNotContain(_logger.Entries, e => e.Message.Contains('\n') || e.Message.Length == 0);
    }

    [Fact]
    public void Errors_while_loading_are_captured_for_a_one_line_report_instead_of_logged_as_errors()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "this is not a GGUF file");

        IReadOnlyList<string> captured;
        using (var capture = NativeLog.CaptureErrors())
        {
            Assert.Equal(0, LlamaApi.ModelLoadFromFile(path, LlamaApi.ModelDefaultParams()));
            captured = capture.Errors;
        }
        File.Delete(path);

        Assert.Contains(captured, line => line.Contains("invalid magic"));
        Assert.DoesNotContain(_logger.Entries, e => e.Level == LogLevel.Error);
    }

    private sealed class RecordingLogger : ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<(LogLevel Level, string Message)> _entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
