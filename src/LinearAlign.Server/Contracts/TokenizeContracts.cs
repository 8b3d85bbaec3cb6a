using System.ComponentModel;

namespace LinearAlign.Server.Contracts;

/// <summary>POST /tokenize: exactly one of content (llama-server's name), prompt (vLLM's) or messages.</summary>
public sealed record TokenizeRequest
{
    [Description("Text to tokenize.")]
    public string? Content { get; init; }

    [Description("Text to tokenize (vLLM's name for content).")]
    public string? Prompt { get; init; }

    [Description("A dialog, rendered with the chat template as /v1/chat/completions renders it.")]
    public IReadOnlyList<ChatMessageBody>? Messages { get; init; }

    [Description("Tokenize the prompt as an aligned request with this principle sees it (the with-principle sequence W).")]
    public string? Principle { get; init; }

    [Description("Add the model's special tokens (BOS). Default true, as generation does.")]
    public bool? AddSpecial { get; init; }

    [Description("Also return each token's text.")]
    public bool? WithPieces { get; init; }
}

public sealed record TokenizeResponse(
    IReadOnlyList<int> Tokens,
    int Count,
    [property: Description("The context size; count must stay below it to leave room for generation.")] int MaxModelLen,
    IReadOnlyList<string>? Pieces);

public sealed record DetokenizeRequest
{
    [Description("Token ids to turn back into text.")]
    public IReadOnlyList<int>? Tokens { get; init; }
}

public sealed record DetokenizeResponse(string Content);
