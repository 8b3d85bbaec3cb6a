using System.ComponentModel.DataAnnotations;

namespace LinearAlign.Server.Options;

/// <summary>Configuration section "Server": the HTTP surface in front of the engine.</summary>
public sealed class ServerOptions : IValidatableObject
{
    public const string SectionName = "Server";

    /// <summary>Bearer keys accepted on the API routes; empty = no authentication.</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Largest request body accepted; larger bodies get 413.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBytes { get; set; } = 4 << 20;

    /// <summary>Most choices one request may ask for (n, times the number of prompts for /v1/completions).</summary>
    [Range(1, 256)]
    public int MaxChoices { get; set; } = 16;

    /// <summary>How long running streams may go on after a shutdown signal before they are cancelled.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Browser origins allowed to call the API; empty = CORS off. "*" allows any origin.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Whether GET /metrics needs the API key too (when Server:ApiKeys is set); off, as Prometheus scrapes usually run inside the network.</summary>
    public bool MetricsRequireApiKey { get; set; }

    /// <summary>Console log format: "text" for people, "json" for log collectors.</summary>
    [RegularExpression("^(text|json)$", ErrorMessage = "Server:LogFormat must be \"text\" or \"json\".")]
    public string LogFormat { get; set; } = "text";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKeys.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Server:ApiKeys must not contain empty keys.", [nameof(ApiKeys)]);
        }
        if (ShutdownTimeout < TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Server:ShutdownTimeout must be between 00:00:00 and 01:00:00.", [nameof(ShutdownTimeout)]);
        }
        if (CorsOrigins.Any(origin => origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _)))
        {
            yield return new ValidationResult("Server:CorsOrigins takes absolute origins such as https://app.example.com, or \"*\".", [nameof(CorsOrigins)]);
        }
    }
}
