namespace LinearAlign.Deploy.Tests;

internal static class Kestrel
{
    /// <summary>
    /// The HTTP port the server listens on, given its environment. Every deployment here names it with
    /// ASPNETCORE_HTTP_PORTS; ASPNETCORE_URLS would override that, so it must not be set as well.
    /// </summary>
    public static int Port(IReadOnlyDictionary<string, string> environment)
    {
        Assert.False(environment.ContainsKey("ASPNETCORE_URLS"), "ASPNETCORE_URLS would override ASPNETCORE_HTTP_PORTS.");
        Assert.True(environment.TryGetValue("ASPNETCORE_HTTP_PORTS", out var ports), "ASPNETCORE_HTTP_PORTS is not set.");
        return int.Parse(ports);
    }
}
