using System.ComponentModel;
using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

/// <summary>POST /v1/completions: raw text continuation.</summary>
public sealed record CompletionRequest : GenerationBody
{
    [Description("The text to continue: a string, or an array of strings for one completion each (times n).")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Prompt { get; init; }

    [Description("Not supported: echoing the prompt. false or absent only.")]
    public bool? Echo { get; init; }

    [Description("Not supported: text after the completion (insertion). Absent only.")]
    public string? Suffix { get; init; }

    [Description("Not supported beyond best_of = n.")]
    public int? BestOf { get; init; }

    [Description("Return each generated token's log-probability and the logprobs (0 to 5) most likely tokens at its position, in choices[i].logprobs (tokens, token_logprobs, top_logprobs, text_offset; streamed: per chunk). Which distribution, and the linear_alignment extension of aligned requests, as for chat's logprobs. Absent or null = none.")]
    public int? Logprobs { get; init; }
}
