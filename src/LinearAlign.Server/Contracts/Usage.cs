namespace LinearAlign.Server.Contracts;

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails);

/// <summary>Of the prompt tokens, those the server took from its prompt cache instead of computing them again.</summary>
public sealed record PromptTokensDetails(int CachedTokens);

/// <summary>The alignment the server applied, echoed so a client can see it.</summary>
public sealed record LinearAlignmentInfo(int PrincipleTokens, float StepSize, string Mode, int SharedPrefixTokens);
