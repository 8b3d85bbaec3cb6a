using System.Text.Json;

namespace LinearAlign.Bench.Load;

public enum PromptMode
{
    /// <summary>A prefix of random words, different for every request, so no server's prompt cache can help.</summary>
    Random,

    /// <summary>The same prompt for every request.</summary>
    Fixed,
}

public enum ApiEndpoint
{
    Chat,
    Completions,
}

/// <summary>
/// What one load run sends: how many clients, how many requests, and their shape. Written and read as JSON
/// (snake_case) in workload files and reports.
/// </summary>
public sealed record Workload
{
    public string Name { get; init; } = "load";

    /// <summary>Clients streaming at the same time.</summary>
    public int Clients { get; init; } = 1;

    /// <summary>Requests in all, taken by whichever client is free; with <see cref="Turns"/> > 1, conversations.</summary>
    public int Requests { get; init; } = 1;

    /// <summary>Tokens of the prompt text (chat: of the first user message, without the chat template).</summary>
    public int PromptTokens { get; init; } = 500;

    public int MaxTokens { get; init; } = 128;

    public PromptMode Prompt { get; init; } = PromptMode.Random;

    /// <summary>Chat turns per conversation: each turn after the first sends the dialog so far plus a short user message.</summary>
    public int Turns { get; init; } = 1;

    public ApiEndpoint Endpoint { get; init; } = ApiEndpoint.Chat;

    /// <summary>A system message before the user message (chat only).</summary>
    public string? System { get; init; }

    /// <summary>The linear-alignment principle; only servers with the extension act on it.</summary>
    public string? Principle { get; init; }

    public double? StepSize { get; init; }

    /// <summary>More request fields, merged into every request body as they are.</summary>
    public Dictionary<string, JsonElement>? ExtraFields { get; init; }

    /// <summary>Picks the prompts: equal seeds give equal prompts, so two servers can be sent the same ones.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Only side A of a comparison runs it (the other server would ignore the extension and run plain).</summary>
    public bool ASideOnly { get; init; }

    /// <summary>The plot line this workload is a point of (x = <see cref="Clients"/>), or none.</summary>
    public string? Series { get; init; }

    public bool Aligned => !string.IsNullOrEmpty(Principle);

    /// <summary>Every request the run sends, counting each turn of a conversation.</summary>
    public int TotalRequests => Requests * Turns;

    /// <summary>Why this workload cannot run, or null.</summary>
    public string? Problem() => this switch
    {
        { Clients: < 1 } => "clients must be at least 1",
        { Requests: < 1 } => "requests must be at least 1",
        { PromptTokens: < 1 } => "prompt tokens must be at least 1",
        { MaxTokens: < 1 } => "max tokens must be at least 1",
        { Turns: < 1 } => "turns must be at least 1",
        { Turns: > 1, Endpoint: not ApiEndpoint.Chat } => "turns need the chat endpoint",
        { System: not null, Endpoint: not ApiEndpoint.Chat } => "a system message needs the chat endpoint",
        { StepSize: not null, Aligned: false } => "step size needs a principle",
        _ => null,
    };
}
