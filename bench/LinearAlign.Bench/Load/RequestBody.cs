using System.Text.Json.Nodes;

namespace LinearAlign.Bench.Load;

/// <summary>The JSON of one benchmark request: streamed with usage, decoded as its shape's <see cref="Decoding"/> says.</summary>
public static class RequestBody
{
    /// <param name="samplingSeed">The request's own seed, sent with sampled decoding.</param>
    public static JsonObject Chat(RequestShape shape, string? model, IEnumerable<(string Role, string Content)> messages, int samplingSeed)
    {
        var body = Common(shape, model, samplingSeed);
        body["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        return body;
    }

    public static JsonObject Completion(RequestShape shape, string? model, string prompt, int samplingSeed)
    {
        var body = Common(shape, model, samplingSeed);
        body["prompt"] = prompt;
        return body;
    }

    private static JsonObject Common(RequestShape shape, string? model, int samplingSeed)
    {
        var body = new JsonObject();
        if (model is not null)
        {
            body["model"] = model;
        }
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (shape.MaxTokens is { } maxTokens)
        {
            body["max_tokens"] = maxTokens;
        }
        switch (shape.Decoding)
        {
            case Decoding.FixedLength:
                body["temperature"] = 0;
                body["ignore_eos"] = true;
                break;
            case Decoding.Sampled:
                body["temperature"] = 1;
                body["top_p"] = 1;
                body["top_k"] = 0;
                body["min_p"] = 0;
                body["seed"] = samplingSeed;
                break;
        }
        if (shape.Aligned)
        {
            body["principle"] = shape.Principle;
            if (shape.StepSize is { } stepSize)
            {
                body["step_size"] = stepSize;
            }
        }
        foreach (var (name, value) in shape.ExtraFields ?? [])
        {
            body[name] = JsonNode.Parse(value.GetRawText());
        }
        return body;
    }
}
