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

    [Description("Only {\"type\":\"text\"} is supported.")]
    public JsonElement? ResponseFormat { get; init; }
}

public sealed record ChatMessageBody
{
    public string? Role { get; init; }

    [Description("A string, or an array of text parts.")]
    public JsonElement? Content { get; init; }

    [Description("Accepted and ignored.")]
    public string? Name { get; init; }
}
