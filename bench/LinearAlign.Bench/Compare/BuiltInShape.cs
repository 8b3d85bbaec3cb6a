namespace LinearAlign.Bench.Compare;

/// <summary>
/// What shapes the built-in workloads: --prompt-tokens (500), --max-tokens (128), --requests-per-client (2),
/// --principle (<see cref="BuiltInWorkloads.Principle"/>) and --step-size (2).
/// </summary>
public sealed record BuiltInShape(int PromptTokens, int MaxTokens, int RequestsPerClient, string Principle, double StepSize)
{
    public static BuiltInShape Of(BenchArguments arguments) => new(
        arguments.Int("prompt-tokens", 500),
        arguments.Int("max-tokens", 128),
        arguments.Int("requests-per-client", 2),
        arguments.Optional("principle") ?? BuiltInWorkloads.Principle,
        arguments.Double("step-size") ?? 2);
}
