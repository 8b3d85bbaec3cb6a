using System.ComponentModel;
using System.Text.Json;

namespace LinearAlign.Server.Contracts;

/// <summary>POST /v1/chat/completions: the dialog is rendered with the model's chat template.</summary>
public sealed record ChatCompletionRequest : GenerationBody
{
    [Description("The dialog: objects with role (system, developer, user, assistant) and content (a string or an array of {\"type\":\"text\",\"text\":...} parts). With a principle, it is appended to the first system message, or becomes one.")]
    public IReadOnlyList<ChatMessageBody>? Messages { get; init; }

    [Description("Not supported: tool calling. Absent or empty only.")]
    public JsonElement? Tools { get; init; }

    [Description("Return each generated token's log-probability in choices[i].logprobs.content (streamed: in each chunk's logprobs, for the tokens of its delta). Plain requests report the model's log-softmax before logit bias, penalties, temperature and truncation; aligned requests the aligned distribution renormalised over the principled nucleus the token was drawn from, and each entry adds linear_alignment with the token's log-probability with and without the principle. Default false.")]
    public bool? Logprobs { get; init; }

    [Description("With logprobs: true, how many of the most likely tokens to list at each position, 0 to 20 (fewer where fewer have any probability). Default 0.")]
    public int? TopLogprobs { get; init; }
}

public sealed record ChatMessageBody
{
    public string? Role { get; init; }

    [Description("A string, or an array of text parts.")]
    public JsonElement? Content { get; init; }

    [Description("Accepted and ignored.")]
    public string? Name { get; init; }
}
