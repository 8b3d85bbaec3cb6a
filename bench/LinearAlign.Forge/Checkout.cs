namespace LinearAlign.Forge;

/// <summary>
/// The checkout these binaries were built in, found from them upwards: <c>bench train</c> runs its training-library build
/// script, and the tests read its fixtures.
/// </summary>
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
        throw new InvalidOperationException($"No LinearAlignServer.sln above {AppContext.BaseDirectory}: run these binaries from the checkout they were built in.");
    }
}
