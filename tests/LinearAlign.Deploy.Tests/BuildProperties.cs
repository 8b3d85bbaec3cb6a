using System.Xml.Linq;

namespace LinearAlign.Deploy.Tests;

/// <summary>What Directory.Build.props says about the build the images repeat.</summary>
internal static class BuildProperties
{
    private static readonly XElement Props = XElement.Parse(Repository.Read("Directory.Build.props"));

    /// <summary>"10.0" for net10.0: the .NET version of the SDK and runtime images.</summary>
    public static string DotnetVersion => Property("TargetFramework").Replace("net", "", StringComparison.Ordinal);

    /// <summary>The llama.cpp backend a build without -p:LlamaNativeBackend fetches.</summary>
    public static string DefaultNativeBackend => Property("LlamaNativeBackend");

    /// <summary>Where, relative to the repository root, the build looks for the libraries of a backend.</summary>
    public static string NativeDirectory(string backend) =>
        Property("LlamaNativeDir")
            .Replace("$(RepoRoot)", "", StringComparison.Ordinal)
            .Replace("$(LlamaNativeBackend)", backend, StringComparison.Ordinal);

    private static string Property(string name) => Assert.Single(Props.Descendants(name)).Value.Trim();
}
