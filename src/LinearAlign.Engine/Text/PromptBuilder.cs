using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Model;

namespace LinearAlign.Engine.Text;

/// <summary>
/// Turns a request into the token sequences the engine decodes: the dialog with the principle (W) and, for an
/// aligned request, the same dialog without it (U). Both go through the same template and tokenizer settings,
/// so they differ only where the principle is.
/// </summary>
public sealed class PromptBuilder
{
    public const string PrincipleSeparator = "\n\n";

    private readonly LlamaModel _model;
    private readonly string _fallbackTemplate;
    private readonly bool _modelTemplateWorks;

    public PromptBuilder(LlamaModel model, string fallbackTemplate)
    {
        _model = model;
        _fallbackTemplate = fallbackTemplate;
        _modelTemplateWorks = model.ChatTemplate is not null
            && model.ApplyChatTemplate(null, [(ChatMessage.User, "hi")], addAssistantPrompt: true) is not null;
        if (model.ApplyChatTemplate(fallbackTemplate, [(ChatMessage.User, "hi")], addAssistantPrompt: true) is null)
        {
            throw new ArgumentException($"'{fallbackTemplate}' is not a chat template llama.cpp knows.", nameof(fallbackTemplate));
        }
    }

    /// <summary>The template in use: the model's own when llama.cpp supports it, else the configured fallback name.</summary>
    public string TemplateDescription => _modelTemplateWorks ? "model's own" : _fallbackTemplate;

    /// <summary>The reference code's placement: appended to the first system message, or a new system message.</summary>
    public static IReadOnlyList<ChatMessage> WithPrinciple(IReadOnlyList<ChatMessage> messages, string principle)
    {
        var result = new List<ChatMessage>(messages.Count + 1);
        var placed = false;
        foreach (var message in messages)
        {
            if (!placed && message.Role == ChatMessage.System)
            {
                result.Add(message with { Content = message.Content + PrincipleSeparator + principle });
                placed = true;
            }
            else
            {
                result.Add(message);
            }
        }
        if (!placed)
        {
            result.Insert(0, new ChatMessage(ChatMessage.System, principle));
        }
        return result;
    }

    public static string WithPrinciple(string prompt, string principle) => principle + PrincipleSeparator + prompt;

    /// <summary>
    /// The text a request is tokenized from: its raw <paramref name="prompt"/> or its rendered <paramref name="messages"/>,
    /// with <paramref name="principle"/> placed as an aligned request's W has it (null: U's, or a plain request's).
    /// </summary>
    public string PromptText(string? prompt, IReadOnlyList<ChatMessage>? messages, string? principle) => prompt is not null
        ? principle is null ? prompt : WithPrinciple(prompt, principle)
        : RenderChat(principle is null ? messages! : WithPrinciple(messages!, principle));

    public string RenderChat(IReadOnlyList<ChatMessage> messages)
    {
        var pairs = messages.Select(m => (m.Role, m.Content)).ToList();
        return _model.ApplyChatTemplate(_modelTemplateWorks ? null : _fallbackTemplate, pairs, addAssistantPrompt: true)
            ?? throw EngineException.Invalid("messages", "The model's chat template could not render these messages.");
    }

    public int[] Tokenize(string text, bool addSpecial = true) => _model.Tokenize(text, addSpecial);

    public byte[] Detokenize(ReadOnlySpan<int> tokens) => _model.Detokenize(tokens);

    /// <summary>One token's own text, special tokens rendered; a piece that is part of a UTF-8 character shows as U+FFFD.</summary>
    public string TokenPiece(int token)
    {
        Span<byte> piece = stackalloc byte[256];
        var length = _model.TokenToPiece(token, piece, renderSpecial: true);
        if (length < 0)
        {
            piece = new byte[-length];
            length = _model.TokenToPiece(token, piece, renderSpecial: true);
        }
        return System.Text.Encoding.UTF8.GetString(piece[..length]);
    }
}
