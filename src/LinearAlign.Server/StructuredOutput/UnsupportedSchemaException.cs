namespace LinearAlign.Server.StructuredOutput;

/// <summary>
/// A JSON Schema the grammar converter cannot express exactly. Generation is refused rather than left less
/// constrained than the schema asks, so that a client never gets output its schema rejects.
/// </summary>
/// <param name="path">Where in the schema, as a JSONPath from the schema's root ($, $.properties.age, $.anyOf[1]).</param>
/// <param name="keyword">The keyword that cannot be expressed, as the schema spells it (multipleOf, pattern, ...).</param>
/// <param name="reason">Why, for the client.</param>
public sealed class UnsupportedSchemaException(string path, string keyword, string reason)
    : Exception($"'{keyword}' at {path} is not supported: {reason}")
{
    /// <summary>Where in the schema, as a JSONPath from the schema's root.</summary>
    public string Path { get; } = path;

    /// <summary>The keyword that cannot be expressed.</summary>
    public string Keyword { get; } = keyword;

    /// <summary>Why it cannot be expressed.</summary>
    public string Reason { get; } = reason;
}
