namespace LinearAlign.TestFixtures;

/// <summary>
/// `dotnet test` runs test assemblies in parallel processes, and ggml slows down a hundredfold when its threads
/// outnumber free cores. Test assemblies that run models take this machine-wide lock first, so only one of them
/// computes at a time; it is held until the process exits.
/// </summary>
public static class NativeTestLock
{
    private static readonly Lazy<FileStream> Held = new(Acquire);

    public static void Enter() => _ = Held.Value;

    private static FileStream Acquire()
    {
        var path = Path.Combine(Path.GetTempPath(), "linearalign-native-tests.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                Thread.Sleep(200);
            }
        }
    }
}
