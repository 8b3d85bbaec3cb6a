using System.Text.RegularExpressions;

namespace LinearAlign.Deploy.Tests;

/// <summary>
/// The root .dockerignore: which paths of the build context the builder leaves out. A pattern excludes the paths it
/// matches and everything under them; * and ? stay within one path segment, ** spans any number of them. Exception
/// lines (!pattern) are not read: the file has none.
/// </summary>
internal static class DockerIgnore
{
    private static readonly IReadOnlyList<Regex> Patterns = Repository.Read(".dockerignore")
        .Split('\n')
        .Select(line => line.Trim())
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line =>
        {
            Assert.False(line.StartsWith('!'), $".dockerignore exception '{line}' is not understood by the tests.");
            return new Regex("^" + Translate(line.Trim('/')) + "(/.*)?$");
        })
        .ToList();

    public static bool Excludes(string relativePath)
    {
        var path = relativePath.Replace('\\', '/').TrimEnd('/');
        path = path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;
        return Patterns.Any(pattern => pattern.IsMatch(path));
    }

    private static string Translate(string pattern) =>
        Regex.Escape(pattern)
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal);
}
