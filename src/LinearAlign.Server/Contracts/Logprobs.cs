using System.ComponentModel;
using System.Text.Json.Serialization;

namespace LinearAlign.Server.Contracts;

/// <summary>choices[i].logprobs of a chat completion: the message's tokens; in a chunk, the tokens of its delta.</summary>
public sealed record ChatChoiceLogprobs(
    IReadOnlyList<ChatTokenLogprob> Content,
    [property: Description("Always null: the server does not refuse.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<ChatTokenLogprob>? Refusal);

public sealed record ChatTokenLogprob(
    string Token,
    [property: Description("The token's log-probability; -9999 where the distribution rules it out (JSON has no -Infinity).")]
    float Logprob,
    [property: Description("The token's UTF-8 bytes: a token can hold part of a character, which its text cannot show.")]
    IReadOnlyList<int> Bytes,
    [property: Description("The most likely tokens at this position, most likely first: as many as top_logprobs asked for, or fewer where fewer have any probability (outside an aligned request's nucleus).")]
    IReadOnlyList<ChatTopLogprob> TopLogprobs,
    [property: Description("Extension, aligned requests only: the token's log-probability with the principle (W) and without it (U), the two distributions the aligned one was made from.")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TokenAlignmentLogprobs? LinearAlignment);

public sealed record ChatTopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);

/// <summary>choices[i].logprobs of a legacy completion, as parallel arrays with an entry per token.</summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    [property: Description("Per token, its position's most likely tokens as {token text: logprob}, most likely first: logprobs of them, or fewer where fewer have any probability or two show the same text; empty objects when logprobs is 0.")]
    IReadOnlyList<Dictionary<string, float>> TopLogprobs,
    [property: Description("Where each token's text starts in the generated text (UTF-16 code units); there is no echo, so never in the prompt.")]
    IReadOnlyList<int> TextOffset,
    [property: Description("Extension, aligned requests only: per token, its log-probability with the principle (W) and without it (U).")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<TokenAlignmentLogprobs>? LinearAlignment);

/// <summary>How steering moved a token: its log-probability under the with-principle and the without-principle distribution.</summary>
public sealed record TokenAlignmentLogprobs(float LogprobWithPrinciple, float LogprobWithoutPrinciple);
