using System.Buffers;
using System.Numerics.Tensors;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Sampling;

/// <summary>
/// One step's log-probabilities: the chosen token's and the most likely tokens', over the logits the sampler drew
/// from (the whole vocabulary, or the candidates a mask left it). Buffers are rented once per request and the top
/// tokens kept by insertion into a list of at most <see cref="Generation.GenerationRequest.MaxTopLogprobs"/>, so a step allocates
/// nothing and costs two vectorised passes and one scan over the logits.
/// </summary>
internal sealed unsafe class LogprobCalculator : IDisposable
{
    private readonly int _top;
    private float[] _scratch;
    private int[] _candidateTokens;
    private readonly int[] _topTokens;
    private readonly float[] _topLogits;
    private int _topCount;
    private int _candidateCount;
    private float _logSumExp;
    private bool _overCandidates;
    private float[]? _candidateLogits;

    public LogprobCalculator(int vocabularySize, int top)
    {
        _top = top;
        _scratch = ArrayPool<float>.Shared.Rent(vocabularySize);
        _candidateTokens = ArrayPool<int>.Shared.Rent(vocabularySize);
        _topTokens = new int[Math.Max(top, 1)];
        _topLogits = new float[Math.Max(top, 1)];
    }

    /// <summary>The most likely tokens of the last distribution, most likely first (equal ones in token order); only tokens it gives any probability.</summary>
    public ReadOnlySpan<int> TopTokens => _topTokens.AsSpan(0, _topCount);

    /// <summary>The log-probability of each of <see cref="TopTokens"/>.</summary>
    public float TopLogprob(int rank) => _topLogits[rank] - _logSumExp;

    /// <summary>Prepares the distribution of a whole vocabulary's logits, which must stay unchanged until <see cref="Logprob"/>.</summary>
    public void Over(ReadOnlySpan<float> logits)
    {
        _overCandidates = false;
        _logSumExp = LogSumExp(logits);
        SelectTop(logits, tokens: default);
    }

    /// <summary>Prepares the distribution over a sampler's candidates, copied now: the sampler chain reorders them next.</summary>
    public void Over(LlamaTokenData* candidates, int count)
    {
        _overCandidates = true;
        _candidateCount = count;
        _candidateLogits ??= ArrayPool<float>.Shared.Rent(_scratch.Length);
        for (var i = 0; i < count; i++)
        {
            _candidateTokens[i] = candidates[i].Id;
            _candidateLogits[i] = candidates[i].Logit;
        }
        var logits = _candidateLogits.AsSpan(0, count);
        _logSumExp = LogSumExp(logits);
        SelectTop(logits, _candidateTokens.AsSpan(0, count));
    }

    /// <summary>The log-probability of <paramref name="token"/> in the prepared distribution; minus infinity outside it.</summary>
    /// <param name="logits">The logits given to <see cref="Over(ReadOnlySpan{float})"/>; unused after the candidates overload.</param>
    public float Logprob(ReadOnlySpan<float> logits, int token)
    {
        if (!_overCandidates)
        {
            return logits[token] - _logSumExp;
        }
        var index = _candidateTokens.AsSpan(0, _candidateCount).IndexOf(token);
        return index < 0 ? float.NegativeInfinity : _candidateLogits![index] - _logSumExp;
    }

    /// <summary>log softmax(logits)[token] over the whole vocabulary but <paramref name="excluded"/> (banned tokens), as a plain request's logprobs are.</summary>
    public float LogSoftmaxAt(ReadOnlySpan<float> logits, int token, ReadOnlySpan<int> excluded)
    {
        var (max, sum) = ExpSum(logits);
        foreach (var banned in excluded)
        {
            sum -= _scratch[banned];
        }
        return logits[token] - max - MathF.Log(sum);
    }

    private float LogSumExp(ReadOnlySpan<float> logits)
    {
        var (max, sum) = ExpSum(logits);
        return float.IsNegativeInfinity(max) ? max : max + MathF.Log(sum);
    }

    /// <summary>The largest logit and the sum of exp(logit − max), leaving each exp(logit − max) in the scratch buffer.</summary>
    private (float Max, float Sum) ExpSum(ReadOnlySpan<float> logits)
    {
        var max = TensorPrimitives.Max(logits);
        if (float.IsNegativeInfinity(max))
        {
            return (max, 0f);
        }
        var shifted = _scratch.AsSpan(0, logits.Length);
        TensorPrimitives.Subtract(logits, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        return (max, TensorPrimitives.Sum(shifted));
    }

    /// <param name="tokens">The token of each logit; empty when the logits are indexed by token.</param>
    private void SelectTop(ReadOnlySpan<float> logits, ReadOnlySpan<int> tokens)
    {
        _topCount = 0;
        if (_top == 0)
        {
            return;
        }
        for (var i = 0; i < logits.Length; i++)
        {
            var logit = logits[i];
            // Strictly greater than the last kept: of equal logits the first (the lower token, or the earlier
            // candidate) stays. Tokens without probability are never listed.
            if (logit == float.NegativeInfinity || (_topCount == _top && logit <= _topLogits[_top - 1]))
            {
                continue;
            }
            var rank = _topCount < _top ? _topCount++ : _top - 1;
            while (rank > 0 && _topLogits[rank - 1] < logit)
            {
                _topLogits[rank] = _topLogits[rank - 1];
                _topTokens[rank] = _topTokens[rank - 1];
                rank--;
            }
            _topLogits[rank] = logit;
            _topTokens[rank] = tokens.IsEmpty ? i : tokens[i];
        }
    }

    public void Dispose()
    {
        ArrayPool<float>.Shared.Return(_scratch);
        ArrayPool<int>.Shared.Return(_candidateTokens);
        if (_candidateLogits is not null)
        {
            ArrayPool<float>.Shared.Return(_candidateLogits);
        }
        _scratch = [];
        _candidateTokens = [];
        _candidateLogits = null;
    }
}
