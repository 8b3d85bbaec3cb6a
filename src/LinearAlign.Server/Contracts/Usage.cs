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
    [property: Description("How many tokens the (first) principle adds to the prompt.")]
    int PrincipleTokens,
    [property: Description("The (first) principle's step.")]
    float StepSize,
    string Mode,
    [property: Description("Leading prompt tokens the dialogs with and without the (first) principle share, computed once.")]
    int SharedPrefixTokens,
    [property: Description("Every principle as applied, in request order: the tokens it adds to the prompt, its step, and the leading tokens its sequence copies rather than computes (from the dialog without principles for the first, from the first's for the others).")]
    IReadOnlyList<AppliedPrincipleInfo> Principles,
    [property: Description("With alignment_compare: what each choice is, by index: \"linear_alignment\", \"principle_in_prompt\" (the dialog with the principle, decoded plainly: step 0; with several principles, those with a step above -1 in one system message), \"base\" (the dialog without principles).")]
    IReadOnlyList<string>? Compare = null,
    [property: Description("With alignment_diagnostics: a summary for each choice steered by principles (when streaming, in the chunk that ends that choice).")]
    IReadOnlyList<DiagnosticsInfo>? Diagnostics = null);

public sealed record AppliedPrincipleInfo(int PrincipleTokens, float StepSize, int SharedPrefixTokens);

/// <summary>What steering did over one choice's tokens.</summary>
public sealed record DiagnosticsInfo(
    [property: Description("The choice these diagnostics are for.")]
    int Index,
    [property: Description("Tokens of the reply, each one step.")]
    int Steps,
    [property: Description("Tokens where the emitted token differs from what the principled distribution W alone (with several principles, their s = 0 combination) would have chosen under the same sampling draw; greedy: its argmax.")]
    int SteeredTokens,
    [property: Description("Mean over tokens of KL(aligned || W) in nats, both at temperature 1 over the whole vocabulary: how far the update moved the distribution.")]
    float MeanKlAlignedPrincipled,
    float MaxKlAlignedPrincipled,
    [property: Description("Mean over tokens of KL(W || U) in nats: how strongly the principles act in this context.")]
    float MeanKlPrincipledBase,
    float MaxKlPrincipledBase,
    [property: Description("Mean over tokens of |aligned - W|, the norm of the step-weighted direction sum_i s_i d_i.")]
    float MeanDirectionNorm);

/// <summary>choices[i].linear_alignment, with alignment_diagnostics: what steering did at each token of the choice (in a chunk, of its delta).</summary>
public sealed record ChoiceAlignmentInfo(IReadOnlyList<SteeredTokenInfo> Tokens);

public sealed record SteeredTokenInfo(
    int Id,
    [property: Description("The token's own text; may hold part of a UTF-8 character.")]
    string Text,
    [property: Description("Where the token's text starts in the choice's text, in UTF-16 code units.")]
    int TextOffset,
    [property: Description("The emitted token differs from principle_choice.")]
    bool Steered,
    [property: Description("The emitted token's probability under the aligned distribution (temperature 1, whole vocabulary).")]
    float Probability,
    [property: Description("The emitted token's probability under the principled distribution W.")]
    float PrincipleProbability,
    [property: Description("The token W alone would have chosen under the same sampling draw (greedy: W's argmax), with its probability under W.")]
    PrincipleChoiceInfo PrincipleChoice);

public sealed record PrincipleChoiceInfo(int Id, string Text, float Probability);
