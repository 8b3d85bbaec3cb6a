using Microsoft.Extensions.Configuration.CommandLine;

namespace LinearAlign.Server.Hosting;

public static class ServerConfiguration
{
    public const string EnvironmentPrefix = "LINEARALIGN_";

    /// <summary>
    /// Adds LINEARALIGN_Section__Key variables beside the standard Section__Key ones, ranked above them but below
    /// the command line, so an explicit argument still wins.
    /// </summary>
    public static void AddServerEnvironmentVariables(this ConfigurationManager configuration)
    {
        var sources = (IList<IConfigurationSource>)configuration.Sources;
        var commandLine = sources.Select((source, index) => (source, index)).LastOrDefault(s => s.source is CommandLineConfigurationSource);
        var prefixed = new Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource { Prefix = EnvironmentPrefix };
        if (commandLine.source is null)
        {
            sources.Add(prefixed);
        }
        else
        {
            sources.Insert(commandLine.index, prefixed);
        }
    }
}
