using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace LinearAlign.Engine.Sampling;

/// <summary>
/// The reference code's plausibility mask for one aligned request: the top-p nucleus of the principled distribution
/// softmax((l_W + bias) / T), forbidden tokens at minus infinity. It keeps what llama.cpp's top-p sampler (min_keep 1)
/// keeps, in the order it leaves them: logits descending, up to and including the token at which the running sum of
/// probabilities reaches top_p, or every token if it never does. llama.cpp sorts up to the whole vocabulary to find
/// them every step; this narrows a probability threshold with vectorised passes and sorts only the tokens above it.
/// Buffers are rented once per request, so a step allocates nothing.
/// </summary>
/// <remarks>
/// Where it differs from llama.cpp: equal logits are taken in token order, where llama.cpp's unstable sort takes them in
/// any order; that decides which of them a nucleus boundary falling among them keeps, and the order they are drawn in.
/// A maximum logit that is not finite (every token forbidden, an infinite or NaN logit) keeps every token, in token
/// order; llama.cpp's probabilities are then NaN and it keeps every token too.
/// </remarks>
internal sealed class PrincipledNucleus : IDisposable
{
    /// <summary>Narrowing stops once at most this many tokens lie between the two thresholds, as sorting them is cheaper than another pass.</summary>
    private const int SettledTokens = 64;

    /// <summary>
    /// Below ln(2^-150) ≈ −103.97, exp is nearer 0 than the smallest subnormal float, so expf returns 0; a little lower
    /// still, so that the exact boundary (where rounding decides) is left to expf.
    /// </summary>
    private const float ExpUnderflowsBelow = -104f;

    private readonly int _vocabularySize;
    private readonly float _temperature;
    private readonly float _topP;
    private readonly int[] _biasedTokens;
    private readonly float[] _biases;
    private readonly int[]? _forbidden;
    private readonly float[] _logits;
    private readonly float[] _weights;
    private readonly ulong[] _orderKeys;
    private readonly int[] _kept;
    private bool _disposed;

    /// <param name="temperature">What l_W + bias is divided by; 1 for greedy decoding, whose mask still needs alternatives.</param>
    public PrincipledNucleus(int vocabularySize, float temperature, float topP, int[] biasedTokens, float[] biases, int[]? forbidden)
    {
        _vocabularySize = vocabularySize;
        _temperature = temperature;
        _topP = topP;
        _biasedTokens = biasedTokens;
        _biases = biases;
        _forbidden = forbidden;
        _logits = ArrayPool<float>.Shared.Rent(vocabularySize);
        _weights = ArrayPool<float>.Shared.Rent(vocabularySize);
        _orderKeys = ArrayPool<ulong>.Shared.Rent(vocabularySize);
        _kept = ArrayPool<int>.Shared.Rent(vocabularySize);
    }

    /// <summary>The nucleus of <paramref name="withPrinciple"/>, most probable first; valid until the next call.</summary>
    public ReadOnlySpan<int> Select(ReadOnlySpan<float> withPrinciple)
    {
        var logits = _logits.AsSpan(0, _vocabularySize);
        withPrinciple.CopyTo(logits);
        // In llama.cpp's order: the bias is added, then the sum divided by the temperature.
        for (var i = 0; i < _biasedTokens.Length; i++)
        {
            logits[_biasedTokens[i]] += _biases[i];
        }
        if (_forbidden is not null)
        {
            foreach (var token in _forbidden)
            {
                logits[token] = float.NegativeInfinity;
            }
        }
        if (_temperature != 1f)
        {
            TensorPrimitives.Divide(logits, _temperature, logits);
        }

        var max = TensorPrimitives.Max(logits);
        if (!float.IsFinite(max))
        {
            return KeepEveryToken();
        }
        var weights = _weights.AsSpan(0, _vocabularySize);
        var total = Weigh(logits, max, weights);

        var floor = NucleusFloor(weights, total);
        var kept = KeepUntilTopP(SortByLogit(floor), total);
        if (kept < 0)
        {
            // The running sum rounded short of top_p among the tokens above the floor: llama.cpp goes on down the vocabulary.
            kept = KeepUntilTopP(SortByLogit(0f), total);
        }
        var keys = _orderKeys.AsSpan(0, kept < 0 ? _vocabularySize : kept);
        var nucleus = _kept.AsSpan(0, keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            nucleus[i] = (int)(uint)keys[i];
        }
        return nucleus;
    }

    /// <summary>
    /// Unnormalised probabilities in [0, 1], the most probable token's exactly 1, and their total, computed as llama.cpp
    /// computes them: the C library's expf (which MathF.Exp calls) and a running total in token order. The probabilities
    /// and so the running sum that ends the nucleus then come out bit for bit the same. A vectorised exp differs from
    /// expf in the last bit for about half of all values, and a vectorised sum rounds differently: enough to move the end
    /// of a nucleus of thousands of tokens.
    /// </summary>
    private static float Weigh(ReadOnlySpan<float> logits, float max, Span<float> weights)
    {
        var maxima = new Vector<float>(max);
        var underflowing = new Vector<float>(ExpUnderflowsBelow);
        var logitVectors = MemoryMarshal.Cast<float, Vector<float>>(logits);
        var weightVectors = MemoryMarshal.Cast<float, Vector<float>>(weights);
        var vectorWidth = Vector<float>.Count;
        var total = 0f;
        for (var v = 0; v < logitVectors.Length; v++)
        {
            // Most of a peaked distribution's vocabulary lies there, where expf takes its slow path (errno) to return 0:
            // whole vectors of it get the 0 without a call, and adding 0 leaves the total as it is.
            if (Vector.LessThanAll(logitVectors[v] - maxima, underflowing))
            {
                weightVectors[v] = Vector<float>.Zero;
                continue;
            }
            for (var token = v * vectorWidth; token < (v + 1) * vectorWidth; token++)
            {
                weights[token] = Weight(logits[token] - max);
                total += weights[token];
            }
        }
        for (var token = logitVectors.Length * vectorWidth; token < logits.Length; token++)
        {
            weights[token] = Weight(logits[token] - max);
            total += weights[token];
        }
        return total;
    }

    private static float Weight(float shiftedLogit) => shiftedLogit < ExpUnderflowsBelow ? 0f : MathF.Exp(shiftedLogit);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        ArrayPool<float>.Shared.Return(_logits);
        ArrayPool<float>.Shared.Return(_weights);
        ArrayPool<ulong>.Shared.Return(_orderKeys);
        ArrayPool<int>.Shared.Return(_kept);
    }

    /// <summary>
    /// A weight that every token of the nucleus reaches, with few tokens between it and the nucleus's end: a bisection
    /// (in log space, as weights span orders of magnitude) between a floor that holds at least top_p of the mass and a
    /// ceiling that holds less, each probe one vectorised pass over the vocabulary. Its sums round otherwise than
    /// llama.cpp's running sum, so it only chooses which tokens to sort; <see cref="KeepUntilTopP"/> decides.
    /// </summary>
    private float NucleusFloor(ReadOnlySpan<float> weights, float total)
    {
        var nucleusMass = _topP * total;
        // Every token lighter than this together carries less than the 1 − top_p of the mass the nucleus leaves out.
        var floor = 0.5f * (1f - _topP) * total / weights.Length;
        var tokensAtFloor = weights.Length;
        // Above the heaviest weight, 1.
        var ceiling = 2f;
        var tokensAtCeiling = 0;
        while (tokensAtFloor - tokensAtCeiling > SettledTokens)
        {
            var probe = MathF.Sqrt(floor * ceiling);
            if (probe <= floor || probe >= ceiling)
            {
                // Equal weights: no threshold parts them.
                break;
            }
            var (mass, tokens) = MassAtOrAbove(weights, probe);
            if (mass >= nucleusMass)
            {
                (floor, tokensAtFloor) = (probe, tokens);
            }
            else
            {
                (ceiling, tokensAtCeiling) = (probe, tokens);
            }
        }
        return floor;
    }

    private static (float Mass, int Tokens) MassAtOrAbove(ReadOnlySpan<float> weights, float threshold)
    {
        var thresholds = new Vector<float>(threshold);
        var masses = Vector<float>.Zero;
        var counts = Vector<int>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(weights);
        foreach (var vector in vectors)
        {
            var atOrAbove = Vector.GreaterThanOrEqual(vector, thresholds);
            masses += Vector.ConditionalSelect(atOrAbove, vector, Vector<float>.Zero);
            // A lane that compares true is all ones, i.e. −1.
            counts -= atOrAbove;
        }
        var mass = Vector.Sum(masses);
        var tokens = Vector.Sum(counts);
        for (var i = vectors.Length * Vector<float>.Count; i < weights.Length; i++)
        {
            if (weights[i] >= threshold)
            {
                mass += weights[i];
                tokens++;
            }
        }
        return (mass, tokens);
    }

    /// <summary>The order keys of the tokens weighing at least <paramref name="threshold"/>, sorted.</summary>
    private Span<ulong> SortByLogit(float threshold)
    {
        var weights = _weights.AsSpan(0, _vocabularySize);
        var logits = _logits.AsSpan(0, _vocabularySize);
        var keys = _orderKeys.AsSpan(0, _vocabularySize);
        var count = 0;
        var thresholds = new Vector<float>(threshold);
        var vectorWidth = Vector<float>.Count;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(weights);
        for (var v = 0; v < vectors.Length; v++)
        {
            // Most of the vocabulary is far below the floor; whole vectors of it are passed over.
            if (!Vector.GreaterThanOrEqualAny(vectors[v], thresholds))
            {
                continue;
            }
            for (var token = v * vectorWidth; token < (v + 1) * vectorWidth; token++)
            {
                if (weights[token] >= threshold)
                {
                    keys[count++] = OrderKey(logits[token], token);
                }
            }
        }
        for (var token = vectors.Length * vectorWidth; token < weights.Length; token++)
        {
            if (weights[token] >= threshold)
            {
                keys[count++] = OrderKey(logits[token], token);
            }
        }
        keys = keys[..count];
        keys.Sort();
        return keys;
    }

    /// <summary>
    /// How many of the sorted tokens top-p keeps, adding probabilities as llama.cpp does (each weight over the total, the
    /// running sum in float); −1 if the running sum stays short of top_p, which keeps them all if they are all.
    /// </summary>
    private int KeepUntilTopP(ReadOnlySpan<ulong> sortedKeys, float total)
    {
        var weights = _weights.AsSpan(0, _vocabularySize);
        var runningSum = 0f;
        for (var i = 0; i < sortedKeys.Length; i++)
        {
            runningSum += weights[(int)(uint)sortedKeys[i]] / total;
            if (runningSum >= _topP)
            {
                return i + 1;
            }
        }
        return -1;
    }

    private ReadOnlySpan<int> KeepEveryToken()
    {
        var nucleus = _kept.AsSpan(0, _vocabularySize);
        for (var token = 0; token < nucleus.Length; token++)
        {
            nucleus[token] = token;
        }
        return nucleus;
    }

    /// <summary>
    /// Sorts ascending as logit descending, then token ascending: the logit's bits mapped to an unsigned integer of the
    /// same order, inverted, above the token id.
    /// </summary>
    private static ulong OrderKey(float logit, int token)
    {
        // + 0 turns −0 into +0, which llama.cpp's comparison holds equal to it.
        var bits = BitConverter.SingleToUInt32Bits(logit + 0f);
        var ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ascending << 32) | (uint)token;
    }
}
