namespace LinearAlign.TestFixtures;

/// <summary>The checkout the tests run from, found from the test binaries upwards.</summary>
public static class Repository
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
        throw new InvalidOperationException($"No LinearAlignServer.sln above {AppContext.BaseDirectory}.");
    }
}
