using System.Globalization;
using System.Text.Json;
using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>
/// What one HTTP request asks the engine for: its generations (n per prompt, prompt-major) and how to answer. With
/// <paramref name="Compare"/> its one generation is decoded three ways, one choice each.
/// </summary>
public sealed record MappedRequest(IReadOnlyList<GenerationRequest> Generations, int ChoicesPerPrompt, bool Stream, bool IncludeUsage, bool Compare = false)
{
    public int ChoiceCount => Compare ? ChoicesPerPrompt : Generations.Count;
}

/// <summary>Translates wire requests into engine requests; a wire-level mistake throws <see cref="RequestValidationException"/> naming the field.</summary>
public static class RequestMapper
{
    /// <summary>Completions without max_tokens stop after 16 tokens, as OpenAI's legacy endpoint does.</summary>
    public const int DefaultCompletionMaxTokens = 16;

    /// <summary>The legacy completions API lists at most 5 alternatives per token.</summary>
    public const int MaxCompletionLogprobs = 5;

    private const int MaxStopStrings = 4;

    public static MappedRequest Map(CompletionRequest request, int maxChoices)
    {
        if (request.Prompt is not { Count: > 0 } prompts)
        {
            throw new RequestValidationException("prompt", "'prompt' is required: a string or an array of strings.");
        }
        Unsupported(request.Echo == true, "echo", "echoing the prompt");
        Unsupported(request.Suffix is not null, "suffix", "suffix (insertion)");
        Unsupported(request.BestOf is { } bestOf && bestOf != (request.N ?? 1), "best_of", "best_of other than n");
        if (request.Logprobs is < 0 or > MaxCompletionLogprobs)
        {
            throw new RequestValidationException("logprobs", $"'logprobs' must be between 0 and {MaxCompletionLogprobs}.");
        }
        return Map(request, maxChoices, prompts.Count, DefaultCompletionMaxTokens, request.Logprobs, prompts.Select(p => new GenerationRequest { Prompt = p }));
    }

    public static MappedRequest Map(ChatCompletionRequest request, int maxChoices)
    {
        var messages = ToMessages(request.Messages);
        Unsupported(request.Tools is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0, "tools", "tool calling");
        if (request.TopLogprobs is not null && request.Logprobs != true)
        {
            throw new RequestValidationException("top_logprobs", "'top_logprobs' is only allowed when 'logprobs' is true.");
        }
        // The engine refuses a count outside 0..GenerationRequest.MaxTopLogprobs, OpenAI's range for chat.
        return Map(request, maxChoices, 1, null, request.Logprobs == true ? request.TopLogprobs ?? 0 : null, [new GenerationRequest { Messages = messages }]);
    }

    /// <summary>The dialog as the engine sees it; "developer" is OpenAI's newer name for the system role.</summary>
    public static IReadOnlyList<ChatMessage> ToMessages(IReadOnlyList<ChatMessageBody>? messages)
    {
        if (messages is null)
        {
            throw new RequestValidationException("messages", "'messages' is required: an array of {role, content} objects.");
        }
        if (RequestRules.MessagesProblem(messages.Count) is { } problem)
        {
            throw new RequestValidationException("messages", problem);
        }
        var result = new List<ChatMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new RequestValidationException($"messages[{i}]", $"'messages[{i}]' must be an object.");
            var role = message.Role switch
            {
                ChatMessage.System or "developer" => ChatMessage.System,
                ChatMessage.User => ChatMessage.User,
                ChatMessage.Assistant => ChatMessage.Assistant,
                null => throw new RequestValidationException($"messages[{i}].role", $"'messages[{i}].role' is required."),
                var other => throw new RequestValidationException(
                    $"messages[{i}].role", $"'messages[{i}].role' is '{other}'; supported roles are system, developer, user and assistant."),
            };
            result.Add(new ChatMessage(role, ContentText(message.Content, role, i)));
        }
        return result;
    }

    public static string WireName(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    public static string WireName(AlignmentMode mode) => mode == AlignmentMode.Normalized ? "normalized" : "reference";

    /// <summary>What the choices of alignment_compare are, by index.</summary>
    public static readonly IReadOnlyList<string> ComparisonChoiceNames = Enum.GetValues<ComparisonChoice>()
        .Select(choice => choice switch
        {
            ComparisonChoice.LinearAlignment => "linear_alignment",
            ComparisonChoice.PrincipleInPrompt => "principle_in_prompt",
            _ => "base",
        })
        .ToArray();

    /// <param name="topLogprobs">Null = no log-probabilities; else how many alternatives to list per token.</param>
    private static MappedRequest Map(
        GenerationBody body, int maxChoices, int prompts, int? defaultMaxTokens, int? topLogprobs, IEnumerable<GenerationRequest> perPrompt)
    {
        var n = body.N ?? 1;
        if (n < 1 || (long)n * prompts > maxChoices)
        {
            throw new RequestValidationException("n", prompts == 1
                ? $"'n' must be between 1 and {maxChoices}."
                : $"'n' must be at least 1, and n times the number of prompts at most {maxChoices}.");
        }
        var (maxTokens, maxTokensParam) = body.MaxCompletionTokens is { } completionTokens
            ? (completionTokens, "max_completion_tokens")
            : (body.MaxTokens ?? defaultMaxTokens, "max_tokens");
        if (RequestRules.MaxTokensProblem(maxTokens, maxTokensParam) is { } problem)
        {
            throw new RequestValidationException(maxTokensParam, problem);
        }
        var stop = body.Stop ?? [];
        if (stop.Count > MaxStopStrings || stop.Any(s => s.Length == 0))
        {
            throw new RequestValidationException("stop", $"'stop' takes up to {MaxStopStrings} non-empty strings.");
        }
        if (body.StreamOptions is not null && body.Stream != true)
        {
            throw new RequestValidationException("stream_options", "'stream_options' is only allowed when 'stream' is true.");
        }

        var sampling = new SamplingParameters
        {
            Temperature = body.Temperature ?? 1f,
            TopP = body.TopP ?? 1f,
            TopK = body.TopK ?? 0,
            MinP = body.MinP ?? 0f,
            PresencePenalty = body.PresencePenalty ?? 0f,
            FrequencyPenalty = body.FrequencyPenalty ?? 0f,
            RepeatPenalty = body.RepeatPenalty ?? 1f,
            LogitBias = ParseLogitBias(body.LogitBias),
            IgnoreEndOfGeneration = body.IgnoreEos ?? false,
            Grammar = ResponseFormatGrammar.Of(body.ResponseFormat),
        };
        var principle = Extension(body.Principle, body.ExtraBody?.Principle, "principle");
        var principles = Extension(body.Principles, body.ExtraBody?.Principles, "principles")?
            .Select((entry, i) => entry is null
                ? throw new RequestValidationException($"principles[{i}]", $"'principles[{i}]' must be an object with a 'text'.")
                : new SteeringPrinciple(entry.Text ?? string.Empty, entry.StepSize))
            .ToList();
        var diagnostics = Extension(body.AlignmentDiagnostics, body.ExtraBody?.AlignmentDiagnostics, "alignment_diagnostics") == true;
        var stepSize = Extension(body.StepSize, body.ExtraBody?.StepSize, "step_size");
        var mode = ParseMode(Extension(body.AlignmentMode, body.ExtraBody?.AlignmentMode, "alignment_mode"));
        var compare = Extension(body.AlignmentCompare, body.ExtraBody?.AlignmentCompare, "alignment_compare") == true;
        if (compare && n != 1)
        {
            throw new RequestValidationException("n", "'alignment_compare' answers with three choices, one per way of decoding; 'n' must be 1.");
        }
        if (compare && prompts != 1)
        {
            throw new RequestValidationException("prompt", "'alignment_compare' takes one prompt.");
        }
        var generations = new List<GenerationRequest>(n * prompts);
        foreach (var prompt in perPrompt)
        {
            for (var choice = 0; choice < n; choice++)
            {
                generations.Add(prompt with
                {
                    Principle = principle,
                    StepSize = stepSize,
                    Principles = principles,
                    AlignmentDiagnostics = diagnostics,
                    Mode = mode,
                    // Distinct seeds per choice, or n seeded choices would all be the same text.
                    Sampling = body.Seed is { } seed ? sampling with { Seed = FoldSeed(seed + choice) } : sampling,
                    MaxTokens = maxTokens,
                    Stop = stop,
                    TopLogprobs = topLogprobs,
                });
            }
        }
        return new MappedRequest(
            generations, compare ? ComparisonChoiceNames.Count : n, body.Stream == true, body.StreamOptions?.IncludeUsage == true, compare);
    }

    private static string ContentText(JsonElement? content, string role, int index)
    {
        var param = $"messages[{index}].content";
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                return Text(content.Value, param);
            case null or JsonValueKind.Null when role == ChatMessage.Assistant:
                return string.Empty;
            case JsonValueKind.Array:
                var text = new System.Text.StringBuilder();
                var part = 0;
                foreach (var element in content.Value.EnumerateArray())
                {
                    var partParam = $"{param}[{part++}]";
                    if (element.ValueKind != JsonValueKind.Object
                        || !element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                    {
                        throw new RequestValidationException(partParam, $"'{partParam}' must be an object with a 'type'.");
                    }
                    if (Text(type, $"{partParam}.type") is var typeName && typeName != "text")
                    {
                        throw new RequestValidationException($"{partParam}.type", $"'{partParam}.type' is '{typeName}'; only text parts are supported.");
                    }
                    if (!element.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        throw new RequestValidationException($"{partParam}.text", $"'{partParam}.text' must be a string.");
                    }
                    text.Append(Text(partText, $"{partParam}.text"));
                }
                return text.ToString();
            default:
                throw new RequestValidationException(param, $"'{param}' must be a string or an array of text parts.");
        }
    }

    /// <summary>A JSON string kept as a JsonElement is decoded only here: a lone surrogate escape is the client's mistake.</summary>
    private static string Text(JsonElement element, string param)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new RequestValidationException(param, $"'{param}' is not valid Unicode text.");
        }
    }

    private static T? Extension<T>(T? topLevel, T? nested, string param)
    {
        if (topLevel is not null && nested is not null)
        {
            throw new RequestValidationException($"extra_body.{param}", $"'{param}' is given both at the top level and in 'extra_body'; give it once.");
        }
        return topLevel ?? nested;
    }

    private static void Unsupported(bool requested, string param, string feature)
    {
        if (requested)
        {
            throw new RequestValidationException(param, $"This server does not support {feature} ('{param}').");
        }
    }

    private static AlignmentMode? ParseMode(string? mode) => mode switch
    {
        null => null,
        "reference" => AlignmentMode.Reference,
        "normalized" => AlignmentMode.Normalized,
        _ => throw new RequestValidationException("alignment_mode", "'alignment_mode' must be \"reference\" or \"normalized\"."),
    };

    /// <summary>OpenAI seeds are 64-bit; llama.cpp's are 32-bit, with all ones meaning "random".</summary>
    private static uint FoldSeed(long seed)
    {
        var folded = (uint)(seed ^ (seed >> 32));
        return folded == uint.MaxValue ? uint.MaxValue - 1 : folded;
    }

    private static Dictionary<int, float>? ParseLogitBias(Dictionary<string, float>? bias)
    {
        if (bias is null)
        {
            return null;
        }
        var parsed = new Dictionary<int, float>(bias.Count);
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var token))
            {
                throw new RequestValidationException("logit_bias", $"'logit_bias' keys must be token ids; '{key}' is not.");
            }
            parsed[token] = value;
        }
        return parsed;
    }
}
