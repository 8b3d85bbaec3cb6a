using System.ComponentModel;

namespace LinearAlign.Server.Contracts;

/// <param name="CompletionTokensPerChoice">
/// Extension: each choice's share of completion_tokens, by index, when a response has more than one choice.
/// </param>
public sealed record Usage(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    PromptTokensDetails PromptTokensDetails,
    [property: Description("Extension: each choice's completion tokens, by choice index; present when the response has more than one choice (n > 1 or alignment_compare).")]
    IReadOnlyList<int>? CompletionTokensPerChoice = null);

/// <summary>Of the prompt tokens, those the server took from its prompt cache instead of computing them again.</summary>
public sealed record PromptTokensDetails(int CachedTokens);

/// <summary>The alignment the server applied, echoed so a client can see it.</summary>
/// <param name="Compare">For alignment_compare: what each choice index holds.</param>
public sealed record LinearAlignmentInfo(
    int PrincipleTokens,
    float StepSize,
    string Mode,
    int SharedPrefixTokens,
    [property: Description("With alignment_compare: what each choice is, by index: \"linear_alignment\", \"principle_in_prompt\" (the same dialog with the principle, decoded plainly: step 0), \"base\" (the dialog without the principle).")]
    IReadOnlyList<string>? Compare = null);
