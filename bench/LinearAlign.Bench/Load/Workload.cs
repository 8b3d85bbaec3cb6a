using System.Globalization;
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

/// <summary>How the tokens of a reply are chosen, and so how long it runs.</summary>
public enum Decoding
{
    /// <summary>Greedy with ignore_eos (llama-server's benchmark field): every server generates exactly max_tokens, so runs compare like with like.</summary>
    FixedLength,

    /// <summary>
    /// As a client that leaves sampling alone: OpenAI's defaults, temperature 1 and top_p 1, and no ignore_eos, so a
    /// reply ends where the model ends its turn (or at max_tokens). They are sent, with top_k 0 and min_p 0, because
    /// llama-server's own defaults (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05) would sample another
    /// distribution. Every request carries a seed of its own, the same for every server, so that servers sampling
    /// with llama.cpp's seeded sampler draw the same tokens from the same logits.
    /// </summary>
    Sampled,
}

/// <summary>What every request of one kind looks like. Written and read as JSON (snake_case) in workload files and reports.</summary>
public sealed record RequestShape
{
    /// <summary>Tokens of the prompt text (chat: of the first user message, without the chat template).</summary>
    public int PromptTokens { get; init; } = 500;

    /// <summary>Null sends no max_tokens, as most clients do: the reply runs until the model ends its turn or the context is full.</summary>
    public int? MaxTokens { get; init; } = 128;

    public Decoding Decoding { get; init; } = Decoding.FixedLength;

    public PromptMode Prompt { get; init; } = PromptMode.Random;

    public ApiEndpoint Endpoint { get; init; } = ApiEndpoint.Chat;

    /// <summary>A system message before the user message (chat only).</summary>
    public string? System { get; init; }

    /// <summary>The linear-alignment principle; only servers with the extension act on it.</summary>
    public string? Principle { get; init; }

    public double? StepSize { get; init; }

    /// <summary>More request fields, merged into every request body as they are.</summary>
    public Dictionary<string, JsonElement>? ExtraFields { get; init; }

    public bool Aligned => !string.IsNullOrEmpty(Principle);

    /// <summary>Why requests of this shape cannot be sent, or null.</summary>
    public string? Problem() => this switch
    {
        { PromptTokens: < 1 } => "prompt tokens must be at least 1",
        { MaxTokens: < 1 } => "max tokens must be at least 1",
        { MaxTokens: null, Decoding: Decoding.FixedLength } => "fixed-length decoding needs max tokens (with ignore_eos a reply would fill the context)",
        { System: not null, Endpoint: not ApiEndpoint.Chat } => "a system message needs the chat endpoint",
        { StepSize: not null, Aligned: false } => "step size needs a principle",
        _ => null,
    };

    /// <summary>The shape in a few words, for report titles: "500 prompt tokens, no max_tokens, sampled, aligned".</summary>
    public string Describe()
    {
        var maxTokens = MaxTokens is { } max ? $"{max} max tokens" : "no max_tokens";
        var decoding = Decoding == Decoding.Sampled ? ", sampled" : "";
        var aligned = Aligned ? $", aligned (step size {StepSize?.ToString(CultureInfo.InvariantCulture) ?? "default"})" : "";
        return $"{PromptTokens} prompt tokens, {maxTokens}{decoding}{aligned}";
    }
}

/// <summary>
/// Requests that other clients keep streaming for as long as a workload's own requests run, so that those meet a busy
/// server: each client sends one request after another. They start first, and the workload's requests follow once
/// every background client's first request streams; the background then finishes the requests it has under way.
/// </summary>
public sealed record BackgroundLoad
{
    public int Clients { get; init; } = 1;

    public RequestShape Request { get; init; } = new();
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

    public RequestShape Request { get; init; } = new();

    /// <summary>Chat turns per conversation: each turn after the first sends the dialog so far plus a short user message.</summary>
    public int Turns { get; init; } = 1;

    /// <summary>Requests that keep the server busy meanwhile; only the workload's own requests are timed as the run.</summary>
    public BackgroundLoad? Background { get; init; }

    /// <summary>Picks the prompts and sampling seeds: equal seeds give equal ones, so two servers can be sent the same.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Only side A of a comparison runs it (the other server would ignore the extension and run plain).</summary>
    public bool ASideOnly { get; init; }

    /// <summary>The plot line this workload is a point of (x = <see cref="Clients"/>), or none.</summary>
    public string? Series { get; init; }

    public bool Aligned => Request.Aligned;

    /// <summary>Every request the run times, counting each turn of a conversation.</summary>
    public int TotalRequests => Requests * Turns;

    /// <summary>Why this workload cannot run, or null.</summary>
    public string? Problem() => this switch
    {
        { Clients: < 1 } => "clients must be at least 1",
        { Requests: < 1 } => "requests must be at least 1",
        { Turns: < 1 } => "turns must be at least 1",
        { Turns: > 1, Request.Endpoint: not ApiEndpoint.Chat } => "turns need the chat endpoint",
        { Background.Clients: < 1 } => "background clients must be at least 1",
        _ => Request.Problem() ?? (Background?.Request.Problem() is { } background ? $"background: {background}" : null),
    };

    /// <summary>What the run sends, in one line: "8 requests, 1 concurrent, 8 prompt tokens, 16 max tokens; beside 3 clients streaming ...".</summary>
    public string Describe()
    {
        var turns = Turns > 1 ? $" of {Turns} turns" : "";
        var background = Background is { } b ? $"; beside {b.Clients} clients streaming {b.Request.Describe()}" : "";
        return $"{Requests} requests{turns}, {Clients} concurrent, {Request.Describe()}{background}";
    }
}
