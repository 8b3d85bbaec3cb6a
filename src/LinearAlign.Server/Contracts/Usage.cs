namespace LinearAlign.Server.Contracts;

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens);

/// <summary>The alignment the server applied, echoed so a client can see it.</summary>
public sealed record LinearAlignmentInfo(int PrincipleTokens, float StepSize, string Mode, int SharedPrefixTokens);
