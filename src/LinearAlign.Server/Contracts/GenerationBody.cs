using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

/// <summary>The fields /v1/chat/completions and /v1/completions share: sampling, stopping, streaming and the linear alignment extensions.</summary>
public abstract record GenerationBody
{
    [Description("The model to use; must be the served model's id (GET /v1/models) or omitted.")]
    public string? Model { get; init; }

    [Description("Most tokens to generate. Generation also ends at an end-of-generation token, a stop string or the context limit (finish_reason \"length\").")]
    public int? MaxTokens { get; init; }

    [Description("Newer name of max_tokens; takes precedence when both are given.")]
    public int? MaxCompletionTokens { get; init; }

    [Description("Sampling temperature, 0 to 2; 0 is greedy. Default 1.")]
    public float? Temperature { get; init; }

    [Description("Nucleus sampling: keep the most likely tokens whose probabilities add up to top_p, (0, 1]. Default 1. With a principle it is applied to the with-principle distribution, as in the reference code.")]
    public float? TopP { get; init; }

    [Description("Extension: keep only the k most likely tokens; 0 disables. Default 0.")]
    public int? TopK { get; init; }

    [Description("Extension: drop tokens less likely than min_p times the most likely one, [0, 1]. Default 0.")]
    public float? MinP { get; init; }

    [Description("Seed for reproducible sampling; choice i of n uses seed + i.")]
    public long? Seed { get; init; }

    [Description("Up to 4 strings (a string or an array) that end generation; they are not part of the output.")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Stop { get; init; }

    [Description("Penalise tokens that already appeared, [-2, 2]. Default 0.")]
    public float? PresencePenalty { get; init; }

    [Description("Penalise tokens by how often they appeared, [-2, 2]. Default 0.")]
    public float? FrequencyPenalty { get; init; }

    [Description("Extension: llama.cpp's multiplicative repeat penalty, (0, 10]; 1 disables. Default 1.")]
    public float? RepeatPenalty { get; init; }

    [Description("Map of token id (as a string) to a bias in [-100, 100] added to its logit; -100 bans the token. With a principle it also moves the with-principle distribution top_p is taken from.")]
    public Dictionary<string, float>? LogitBias { get; init; }

    [Description("How many choices to generate, each its own stream, batched together. 1 to Server:MaxChoices (default 16).")]
    public int? N { get; init; }

    [Description("Stream the response as server-sent events, ending with data: [DONE].")]
    public bool? Stream { get; init; }

    [Description("Streaming options; only with stream: true.")]
    public StreamOptions? StreamOptions { get; init; }

    [Description("{\"type\": \"text\"} (default), {\"type\": \"json_object\"}: the reply is a JSON object, or {\"type\": \"json_schema\", \"json_schema\": {\"name\", \"schema\", \"strict\"}}: the reply is JSON valid against the schema. Enforced by a grammar while sampling, with or without a principle; a schema keyword that cannot be enforced is a 400 naming it. A reply cut by max_tokens (finish_reason \"length\") is not complete JSON. Completions take it too, as llama-server does.")]
    public JsonElement? ResponseFormat { get; init; }

    [Description("An end-user identifier; accepted for compatibility and not stored.")]
    public string? User { get; init; }

    [Description("Extension (llama.cpp's benchmark field): never pick an end-of-generation token, so generation runs to max_tokens, a stop string or the context limit. Default false.")]
    public bool? IgnoreEos { get; init; }

    [Description("Extension (linear alignment): a natural-language principle to steer the response toward. Empty or absent = plain decoding.")]
    public string? Principle { get; init; }

    [Description("Extension (linear alignment): how far to move toward the principle, within Alignment:MinStepSize..MaxStepSize (default -10..20). Default Alignment:DefaultStepSize (2). Negative values move away from it.")]
    public float? StepSize { get; init; }

    [Description("Extension (linear alignment): several principles at once, 1 to Alignment:MaxPrinciples (default 4), each {\"text\", \"step_size\"} (step default Alignment:DefaultStepSize), instead of principle + step_size (giving both is an error). Combined as aligned = l_U + sum_i (1 + s_i)(l_W_i - l_U): with one principle exactly principle + step_size; at s_i = 0 each counts as plain prompting with it; below -1 a principle steers away. Each takes one more KV cache sequence, decoded in the same batch.")]
    public IReadOnlyList<PrincipleBody?>? Principles { get; init; }

    [Description("Extension (linear alignment): trace what steering changed. The choice steered by principles carries choices[i].linear_alignment.tokens (per token: whether it was steered, the token the principled distribution alone would have chosen under the same draw, both probabilities), and linear_alignment.diagnostics sums them up (when streaming: in the chunk that ends the choice). Needs a principle. Default false.")]
    public bool? AlignmentDiagnostics { get; init; }

    [Description("Extension (linear alignment): \"reference\" (l_W + s(l_W - l_U), as in the paper's code) or \"normalized\" (l_W + s d/|d| with d = log_softmax(l_W) - log_softmax(l_U), the paper's Algorithm 1). Default Alignment:DefaultMode.")]
    public string? AlignmentMode { get; init; }

    [Description("Extension (linear alignment): decode the request three ways at once, in the same batches, for comparison: choice 0 with linear alignment, choice 1 with the principle in the prompt only (step 0), choice 2 the base model without the principle. Needs a principle and n = 1 (one prompt for completions); each choice has its own sampling state from the same parameters and seed; usage counts the prompt once and every choice's tokens. Default false.")]
    public bool? AlignmentCompare { get; init; }

    [Description("Extensions nested as {\"extra_body\": {\"principle\": ..., \"step_size\": ..., \"principles\": ..., \"alignment_mode\": ..., \"alignment_compare\": ..., \"alignment_diagnostics\": ...}}, for clients that pass an SDK's extra_body through literally. Top-level fields are what the SDKs send; giving a field in both places is an error.")]
    public ExtraBody? ExtraBody { get; init; }
}

/// <summary>The linear alignment extensions, when a client nests them under "extra_body".</summary>
public sealed record ExtraBody
{
    public string? Principle { get; init; }

    public float? StepSize { get; init; }

    public string? AlignmentMode { get; init; }

    public bool? AlignmentCompare { get; init; }

    public IReadOnlyList<PrincipleBody?>? Principles { get; init; }

    public bool? AlignmentDiagnostics { get; init; }
}

/// <summary>One entry of "principles".</summary>
public sealed record PrincipleBody
{
    [Description("The principle, in natural language.")]
    public string? Text { get; init; }

    [Description("How far to move toward it, within Alignment:MinStepSize..MaxStepSize; below -1 moves away. Default Alignment:DefaultStepSize.")]
    public float? StepSize { get; init; }
}

public sealed record StreamOptions
{
    [Description("Send a last chunk, with an empty choices array, carrying the usage of the whole request.")]
    public bool? IncludeUsage { get; init; }
}
