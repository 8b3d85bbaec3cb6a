using System.Runtime.InteropServices;

namespace LinearAlign.Native.Interop;

/// <summary>
/// glibc's dynamic loader, asked directly: .NET's NativeLibrary reports a failed load without dlerror's reason, and
/// the reason (which dependency is missing) is what an operator needs.
/// </summary>
internal static partial class DynamicLoader
{
    private const string Libc = "libc.so.6";
    private const int LoadNow = 2;

    /// <summary>Null when <paramref name="path"/> loads with all its dependencies; otherwise dlerror's message.</summary>
    public static string? LoadError(string path)
    {
        // Binding an import looks its symbol up, which resets dlerror: dlerror is bound (and any stale error cleared)
        // before dlopen, so that its next answer is dlopen's.
        Error();
        var handle = Open(path, LoadNow);
        if (handle != 0)
        {
            Close(handle);
            return null;
        }
        return Marshal.PtrToStringUTF8(Error()) ?? "dlopen failed without a reason";
    }

    [LibraryImport(Libc, EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "dlerror")]
    private static partial nint Error();

    [LibraryImport(Libc, EntryPoint = "dlclose")]
    private static partial int Close(nint handle);
}
