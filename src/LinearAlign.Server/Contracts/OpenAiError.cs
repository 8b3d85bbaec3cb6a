using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

/// <summary>The OpenAI error body: {"error":{"message","type","param","code"}}.</summary>
public sealed record OpenAiErrorResponse(OpenAiError Error);

public sealed record OpenAiError(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
