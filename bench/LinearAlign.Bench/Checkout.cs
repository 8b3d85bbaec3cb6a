namespace LinearAlign.Bench;

/// <summary>The checkout this tool was built in, found from its binaries upwards: <c>bench train</c> runs a script of it.</summary>
public static class Checkout
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LinearAlignServer.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No LinearAlignServer.sln above {AppContext.BaseDirectory}: pass --llama-lib, or run bench from its checkout.");
    }
}
