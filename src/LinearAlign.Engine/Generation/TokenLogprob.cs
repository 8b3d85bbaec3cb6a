namespace LinearAlign.Engine.Generation;

/// <summary>A token the model weighed at a step, with its log-probability.</summary>
/// <param name="Bytes">The token's UTF-8 bytes; <paramref name="Token"/> is their text, which may hold part of a character.</param>
public sealed record TopLogprob(string Token, byte[] Bytes, float Logprob);

/// <summary>
/// A generated token's log-probability under the distribution it was sampled from, and the most likely tokens of that
/// distribution. Plain requests: the model's log-softmax (before logit bias, penalties, temperature and truncation;
/// banned tokens excluded), as llama-server reports by default. Aligned requests: the aligned distribution,
/// renormalised over the tokens the principled nucleus (top_p of the principled distribution) let the sampler draw.
/// </summary>
/// <param name="TextOffset">Where the token's text starts in the generated text, in UTF-16 chars.</param>
/// <param name="Alignment">For aligned requests, the token's log-probability under W alone and U alone.</param>
public sealed record TokenLogprob(
    string Token, byte[] Bytes, float Logprob, IReadOnlyList<TopLogprob> TopLogprobs, int TextOffset, PrincipleLogprobs? Alignment);

/// <summary>A token's log-probability with the principle in the prompt (W) and without it (U): what steering moved.</summary>
public readonly record struct PrincipleLogprobs(float WithPrinciple, float WithoutPrinciple);
