using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Native;

/// <summary>
/// Routes llama.cpp and ggml log output into Microsoft.Extensions.Logging. Native code logs in fragments
/// (a line may arrive in pieces, continued with level CONT), so text is gathered until a newline.
/// llama.cpp's INFO is chatty load-time detail, so it lands at Debug.
/// </summary>
public static unsafe class NativeLog
{
    private static readonly Lock Gate = new();
    private static readonly StringBuilder Pending = new();
    private static GgmlLogLevel s_pendingLevel = GgmlLogLevel.Info;
    private static ILogger? s_logger;
    private static List<string>? s_capturedErrors;

    internal static void Install(ILogger logger)
    {
        lock (Gate)
        {
            s_logger = logger;
        }
        LlamaApi.LogSet(&OnLog, null);
    }

    /// <summary>
    /// While the returned scope is open, native error lines are collected (and logged at Debug) instead of
    /// being logged as errors, so the caller can report one line with llama.cpp's reason in it.
    /// </summary>
    public static ErrorCapture CaptureErrors()
    {
        lock (Gate)
        {
            s_capturedErrors = [];
            return new ErrorCapture(s_capturedErrors);
        }
    }

    public sealed class ErrorCapture : IDisposable
    {
        private readonly List<string> _errors;

        internal ErrorCapture(List<string> errors) => _errors = errors;

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (Gate)
                {
                    return [.. _errors];
                }
            }
        }

        public void Dispose()
        {
            lock (Gate)
            {
                if (ReferenceEquals(s_capturedErrors, _errors))
                {
                    s_capturedErrors = null;
                }
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(GgmlLogLevel level, byte* text, void* userData)
    {
        try
        {
            var fragment = Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
            lock (Gate)
            {
                if (level != GgmlLogLevel.Continue)
                {
                    Flush();
                    s_pendingLevel = level;
                }
                Pending.Append(fragment);
                if (fragment.EndsWith('\n'))
                {
                    Flush();
                }
            }
        }
        catch
        {
            // An exception escaping into native code would kill the process; a lost log line is the lesser harm.
        }
    }

    private static void Flush()
    {
        if (Pending.Length == 0)
        {
            return;
        }
        var line = Pending.ToString().TrimEnd();
        Pending.Clear();
        if (line.Length == 0 || s_logger is null)
        {
            return;
        }
        if (s_pendingLevel == GgmlLogLevel.Error && s_capturedErrors is not null)
        {
            s_capturedErrors.Add(line);
            s_logger.LogDebug("{NativeMessage}", line);
            return;
        }
        s_logger.Log(MapLevel(s_pendingLevel), "{NativeMessage}", line);
    }

    private static LogLevel MapLevel(GgmlLogLevel level) => level switch
    {
        GgmlLogLevel.Error => LogLevel.Error,
        GgmlLogLevel.Warn => LogLevel.Warning,
        GgmlLogLevel.Info => LogLevel.Debug,
        _ => LogLevel.Trace,
    };
}
