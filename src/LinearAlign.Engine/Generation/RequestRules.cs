namespace LinearAlign.Engine.Generation;

/// <summary>
/// Rules a request must keep that both the engine and the HTTP layer check, written once: each returns why a value is
/// refused (null when it is fine), and each layer raises its own error, the HTTP layer naming the wire field.
/// </summary>
public static class RequestRules
{
    public static string? MaxTokensProblem(int? maxTokens, string param = "max_tokens") =>
        maxTokens is < 1 ? $"'{param}' must be at least 1." : null;

    public static string? MessagesProblem(int count) =>
        count == 0 ? "'messages' must contain at least one message." : null;
}
