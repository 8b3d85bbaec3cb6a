using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Tests.Sampling;

/// <summary>
/// llama.cpp's own top-p sampler over l_W, as the principled nucleus took it before it had its own: the bias added,
/// forbidden tokens at minus infinity, llama.cpp's temperature sampler unless greedy, then top-p with min_keep 1.
/// </summary>
internal static unsafe class LlamaTopP
{
    /// <param name="temperature">Null for greedy decoding, which has no temperature sampler.</param>
    /// <returns>The kept tokens in the order llama.cpp leaves them.</returns>
    public static int[] Keep(
        float[] logits, float? temperature, float topP, IReadOnlyDictionary<int, float>? bias = null, int[]? forbidden = null)
    {
        using var chain = new SafeLlamaSamplerHandle(LlamaApi.SamplerChainInit(LlamaApi.SamplerChainDefaultParams()));
        if (temperature is { } divisor)
        {
            LlamaApi.SamplerChainAdd(chain, LlamaApi.SamplerInitTemperature(divisor));
        }
        LlamaApi.SamplerChainAdd(chain, LlamaApi.SamplerInitTopP(topP, 1));

        var candidates = new LlamaTokenData[logits.Length];
        for (var token = 0; token < logits.Length; token++)
        {
            candidates[token] = new LlamaTokenData { Id = token, Logit = logits[token] };
        }
        foreach (var (token, push) in bias ?? new Dictionary<int, float>())
        {
            candidates[token].Logit += push;
        }
        foreach (var token in forbidden ?? [])
        {
            candidates[token].Logit = float.NegativeInfinity;
        }
        fixed (LlamaTokenData* data = candidates)
        {
            var array = new LlamaTokenDataArray { Data = data, Size = (nuint)candidates.Length, Selected = -1 };
            LlamaApi.SamplerApply(chain, &array);
            var kept = new int[(int)array.Size];
            for (var i = 0; i < kept.Length; i++)
            {
                kept[i] = array.Data[i].Id;
            }
            return kept;
        }
    }
}
