using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Compare;

/// <summary>
/// The standard comparison. Greedy with ignore_eos, so that every server generates exactly max_tokens: plain streams
/// at concurrency 1 (a single stream on a fresh prompt), 2, 4 and 8 (the plot's "plain" line); one stream over a
/// three-turn conversation, whose earlier turns a server can keep cached; and the aligned sweep, which only side A runs
/// (another server would ignore the principle and decode plain). Then as real clients send chats: open-ended ones at
/// concurrency 4 and 8, sampled without max_tokens, and short chats beside open-ended ones, plain or aligned; these
/// need a model that ends its turns by itself (`bench forge --end-of-turn-tokens N`).
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

    /// <summary>A single plain stream and a single aligned one: their decode rates give aligned/plain.</summary>
    public const string PlainSingleStream = "plain-c1";

    public const string AlignedSingleStream = "aligned-c1";

    public static readonly int[] Concurrency = [1, 2, 4, 8];

    public static readonly int[] OpenEndedConcurrency = [4, 8];

    /// <summary>A chat of a few words with a short answer, whose time to first token is what a mixed workload measures.</summary>
    public static RequestShape ShortChat { get; } = new() { PromptTokens = 8, MaxTokens = 16, System = SystemMessage };

    /// <summary>
    /// Open-ended clients beside the short chats: with llama-server's 4 slots (bench/peer.sh's --parallel 4) one is left
    /// for the short chat, and on ours 3 aligned requests take 6 of 8 sequences, so neither server must queue it for want
    /// of a slot; what delays it is the scheduling.
    /// </summary>
    public const int BackgroundClients = 3;

    public static IReadOnlyList<Workload> Create(BuiltInShape shape)
    {
        var openEndedChat = PlainChat(shape) with { MaxTokens = null, Decoding = Decoding.Sampled };
        // As many short chats as the 4-client sweep point sends requests, for percentiles over more than a few.
        Workload ShortChats(string name, RequestShape background) => new()
        {
            Name = name,
            Requests = 4 * shape.RequestsPerClient,
            Request = ShortChat,
            Background = new BackgroundLoad { Clients = BackgroundClients, Request = background },
        };

        var workloads = new List<Workload> { Plain(shape, 1), Plain(shape, 1) with { Name = "turns-3", Turns = 3, Series = null } };
        workloads.AddRange(Concurrency.Skip(1).Select(clients => Plain(shape, clients)));
        workloads.AddRange(Concurrency.Select(clients => Aligned(shape, clients)));
        workloads.AddRange(OpenEndedConcurrency.Select(clients => Plain(shape, clients) with
        {
            Name = $"chat-open-c{clients}",
            Request = openEndedChat,
            Series = "open-ended",
        }));
        // Both sides run the aligned background: a server without the extension ignores the principle and decodes
        // those requests plain, which is what the short chats beside it are compared with.
        workloads.Add(ShortChats("short-beside-open", openEndedChat));
        workloads.Add(ShortChats("short-beside-aligned", openEndedChat with { Principle = shape.Principle, StepSize = shape.StepSize }));
        return workloads;
    }

    /// <summary>plain-cN: N clients at once, sending N × <see cref="BuiltInShape.RequestsPerClient"/> fixed-length chats in all.</summary>
    public static Workload Plain(BuiltInShape shape, int clients) => new()
    {
        Name = $"plain-c{clients}",
        Clients = clients,
        Requests = clients * shape.RequestsPerClient,
        Request = PlainChat(shape),
        Series = "plain",
    };

    /// <summary>aligned-cN: plain-cN with the principle, which only side A runs (another server would ignore it and decode plain).</summary>
    public static Workload Aligned(BuiltInShape shape, int clients) => Plain(shape, clients) with
    {
        Name = $"aligned-c{clients}",
        Request = PlainChat(shape) with { Principle = shape.Principle, StepSize = shape.StepSize },
        ASideOnly = true,
        Series = "aligned",
    };

    private static RequestShape PlainChat(BuiltInShape shape) =>
        new() { PromptTokens = shape.PromptTokens, MaxTokens = shape.MaxTokens, System = SystemMessage };
}
