using Microsoft.Extensions.Options;

namespace LinearAlign.Server.Hosting;

public static class ConfigurationErrors
{
    /// <summary>
    /// The messages of a configuration mistake: a value out of range (validation), or one that is not even of the
    /// setting's type (binding, e.g. "Failed to convert configuration value 'abc' at 'Model:Threads'"). Null for any
    /// other exception, which is a bug and should surface whole.
    /// </summary>
    public static IReadOnlyList<string>? Describe(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures.ToList(),
        InvalidOperationException { InnerException: ArgumentException or FormatException or OverflowException } binding
            when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => [binding.Message],
        _ => null,
    };
}
