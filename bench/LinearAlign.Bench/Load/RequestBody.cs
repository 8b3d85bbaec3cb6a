using System.Text.Json.Nodes;

namespace LinearAlign.Bench.Load;

/// <summary>
/// The JSON of one benchmark request: streamed with usage, greedy, and with ignore_eos (llama-server's benchmark
/// field) so that every server generates exactly max_tokens and runs compare like with like.
/// </summary>
public static class RequestBody
{
    public static JsonObject Chat(Workload workload, string? model, IEnumerable<(string Role, string Content)> messages)
    {
        var body = Common(workload, model);
        body["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        return body;
    }

    public static JsonObject Completion(Workload workload, string? model, string prompt)
    {
        var body = Common(workload, model);
        body["prompt"] = prompt;
        return body;
    }

    private static JsonObject Common(Workload workload, string? model)
    {
        var body = new JsonObject();
        if (model is not null)
        {
            body["model"] = model;
        }
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        body["max_tokens"] = workload.MaxTokens;
        body["temperature"] = 0;
        body["ignore_eos"] = true;
        if (workload.Aligned)
        {
            body["principle"] = workload.Principle;
            if (workload.StepSize is { } stepSize)
            {
                body["step_size"] = stepSize;
            }
        }
        foreach (var (name, value) in workload.ExtraFields ?? [])
        {
            body[name] = JsonNode.Parse(value.GetRawText());
        }
        return body;
    }
}
