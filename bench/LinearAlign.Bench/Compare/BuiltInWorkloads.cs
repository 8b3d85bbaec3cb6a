using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Compare;

/// <summary>
/// The standard comparison, all greedy with ignore_eos: plain streams at concurrency 1 (a single stream on a fresh
/// prompt), 2, 4 and 8 (the plot's "plain" line); one stream over a three-turn conversation, whose earlier turns a
/// server can keep cached; and the aligned sweep, which only side A runs (another server would ignore the principle
/// and decode plain).
/// </summary>
public static class BuiltInWorkloads
{
    /// <summary>About 30 tokens, as a principle in practice is a sentence or two.</summary>
    public const string Principle =
        "You are a careful, honest and kind assistant. Answer clearly and briefly, say what you do not know, and never suggest anything harmful.";

    /// <summary>
    /// Sent with every chat: a template that adds a default system prompt when there is none (SmolLM2's does) is then
    /// rendered alike by every server, whatever template engine it runs, so both decode the same prompt tokens.
    /// </summary>
    public const string SystemMessage = "You are a helpful assistant.";

    public static readonly int[] Concurrency = [1, 2, 4, 8];

    public static IReadOnlyList<Workload> Create(int promptTokens, int maxTokens, int requestsPerClient, string principle, double stepSize)
    {
        Workload Plain(int clients) => new()
        {
            Name = $"plain-c{clients}",
            Clients = clients,
            Requests = clients * requestsPerClient,
            PromptTokens = promptTokens,
            MaxTokens = maxTokens,
            Series = "plain",
            System = SystemMessage,
        };

        var workloads = new List<Workload> { Plain(1), Plain(1) with { Name = "turns-3", Turns = 3, Series = null } };
        workloads.AddRange(Concurrency.Skip(1).Select(Plain));
        workloads.AddRange(Concurrency.Select(clients => Plain(clients) with
        {
            Name = $"aligned-c{clients}",
            Principle = principle,
            StepSize = stepSize,
            ASideOnly = true,
            Series = "aligned",
        }));
        return workloads;
    }
}
