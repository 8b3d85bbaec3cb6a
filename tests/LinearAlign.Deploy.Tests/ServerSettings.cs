using System.ComponentModel.DataAnnotations;
using System.Reflection;
using LinearAlign.Engine.Options;
using LinearAlign.Server.Hosting;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Configuration;

namespace LinearAlign.Deploy.Tests;

/// <summary>
/// The server's settings as its code defines them: every public options class with a SectionName, in the engine and
/// server assemblies, and the environment variables that reach them the way Program.cs reads its configuration.
/// </summary>
internal static class ServerSettings
{
    /// <summary>Variables the .NET host and ASP.NET Core read themselves (ports, container detection, GC, ...).</summary>
    private static readonly string[] RuntimePrefixes = ["ASPNETCORE_", "DOTNET_"];

    public static IReadOnlyDictionary<string, Type> Sections { get; } =
        new[] { typeof(ModelOptions).Assembly, typeof(ServerOptions).Assembly }
            .SelectMany(assembly => assembly.GetExportedTypes())
            .Select(type => (type, field: type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(candidate => candidate.field is { IsLiteral: true })
            .ToDictionary(candidate => (string)candidate.field!.GetRawConstantValue()!, candidate => candidate.type, StringComparer.OrdinalIgnoreCase);

    public static bool IsRuntimeVariable(string name) => RuntimePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>The configuration key a variable sets (Model__Path and LINEARALIGN_Model__Path both set Model:Path).</summary>
    public static string ConfigurationKey(string variable) =>
        (variable.StartsWith(ServerConfiguration.EnvironmentPrefix, StringComparison.Ordinal) ? variable[ServerConfiguration.EnvironmentPrefix.Length..] : variable)
            .Replace("__", ":", StringComparison.Ordinal);

    /// <summary>
    /// Why <paramref name="variable"/> is neither a server setting nor a runtime variable, or null when it is one.
    /// Section and key match case-insensitively, as the configuration binder matches them; a third part must index
    /// an array setting (Server__ApiKeys__0).
    /// </summary>
    public static string? WhyNotASetting(string variable)
    {
        if (IsRuntimeVariable(variable))
        {
            return null;
        }
        var parts = ConfigurationKey(variable).Split(':');
        if (parts.Length < 2 || !Sections.TryGetValue(parts[0], out var section))
        {
            return $"{variable}: no settings section '{parts[0]}' (sections: {string.Join(", ", Sections.Keys)}).";
        }
        var property = section.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is not { CanWrite: true })
        {
            return $"{variable}: {section.Name} has no settable property '{parts[1]}'.";
        }
        return parts.Length switch
        {
            2 => null,
            3 when property.PropertyType.IsArray && int.TryParse(parts[2], out _) => null,
            _ => $"{variable}: '{string.Join(':', parts[2..])}' does not index {section.Name}.{property.Name}.",
        };
    }

    /// <summary>Every section bound from appsettings.json overlaid with these variables, as the server binds it at start.</summary>
    public static IReadOnlyDictionary<Type, object> Bind(IEnumerable<KeyValuePair<string, string>> environment)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf("appsettings.json"))
            .AddInMemoryCollection(environment
                .Where(variable => !IsRuntimeVariable(variable.Key))
                .Select(variable => KeyValuePair.Create(ConfigurationKey(variable.Key), (string?)variable.Value)))
            .Build();
        return Sections.ToDictionary(section => section.Value, section => configuration.GetSection(section.Key).Get(section.Value) ?? Activator.CreateInstance(section.Value)!);
    }

    /// <summary>What the server's start-up validation would report for these variables: nothing for a configuration it accepts.</summary>
    public static IReadOnlyList<string> ValidationFailures(IEnumerable<KeyValuePair<string, string>> environment)
    {
        var failures = new List<ValidationResult>();
        foreach (var options in Bind(environment).Values)
        {
            Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true);
        }
        return failures.Select(failure => failure.ErrorMessage ?? "(no message)").ToList();
    }

    public static ServerOptions Server(IEnumerable<KeyValuePair<string, string>> environment) =>
        (ServerOptions)Bind(environment)[typeof(ServerOptions)];

    public static ModelOptions Model(IEnumerable<KeyValuePair<string, string>> environment) =>
        (ModelOptions)Bind(environment)[typeof(ModelOptions)];
}
