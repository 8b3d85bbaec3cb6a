using System.Diagnostics;
using System.Buffers;
using System.Numerics.Tensors;
using LinearAlign.Engine.Alignment;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Sampling;

/// <summary>Sees the logits a stream's next token is sampled from (aligned ones for an aligned stream).</summary>
public delegate void LogitsObserver(ReadOnlySpan<float> logits);

/// <summary>
/// One stream's sampling state: a llama.cpp sampler chain (logit bias, penalties, top-k, top-p, min-p,
/// temperature, seeded draw) and, for aligned streams, the update and the reference code's plausibility mask
/// (<see cref="PrincipledNucleus"/>) applied before the chain. Owned by the inference thread; buffers are
/// rented once per request, so a step allocates nothing.
/// </summary>
internal sealed unsafe class TokenSampler : IDisposable
{
    private readonly SafeLlamaSamplerHandle _chain;
    private readonly SafeLlamaSamplerHandle? _grammar;
    private readonly PrincipledNucleus? _principledNucleus;
    private readonly bool _chainIsArgmax;
    private readonly int _vocabularySize;
    private readonly int[]? _forbidden;
    private readonly int _endOfGeneration;
    private float[]? _aligned;
    private LlamaTokenData[]? _candidates;

    /// <param name="endOfGeneration">The model's end-of-generation tokens, never picked when the parameters ignore them.</param>
    /// <param name="topLogprobs">Null: no log-probabilities; else each step's, with this many of the most likely tokens.</param>
    /// <param name="vocabulary">llama.cpp's vocabulary, which a grammar in the parameters is read against.</param>
    public TokenSampler(
        SamplingParameters parameters, int vocabularySize, bool aligned, int[]? endOfGeneration = null, int? topLogprobs = null, nint vocabulary = 0)
    {
        _vocabularySize = vocabularySize;
        Logprobs = topLogprobs is { } top ? new LogprobCalculator(vocabularySize, top) : null;
        _forbidden = Forbidden(parameters, endOfGeneration);
        _endOfGeneration = endOfGeneration is [var first, ..] ? first : -1;
        _chain = BuildChain(parameters, vocabularySize, includeTopP: !aligned);
        _grammar = parameters.Grammar is { } grammar ? Grammar(vocabulary, grammar) : null;
        _chainIsArgmax = parameters.IsGreedy && !parameters.HasPenalties && !parameters.HasLogitBias && _grammar is null;
        if (aligned || _grammar is not null)
        {
            _candidates = ArrayPool<LlamaTokenData>.Shared.Rent(vocabularySize);
        }
        if (!aligned)
        {
            return;
        }
        _aligned = ArrayPool<float>.Shared.Rent(vocabularySize);
        if (parameters.TopP < 1f)
        {
            // A plain request's top_p sees the biased logits without its forbidden tokens; so does the principled nucleus,
            // so that a bias moves an aligned request as it moves a plain one and a ban is never what the mask keeps.
            int[] biasedTokens = parameters.HasLogitBias ? [.. parameters.LogitBias!.Keys] : [];
            float[] biases = [.. biasedTokens.Select(token => parameters.LogitBias![token])];
            // Greedy decoding has no temperature; the mask then comes from softmax(l_W) so that it still admits alternatives.
            var temperature = parameters.IsGreedy ? 1f : parameters.Temperature;
            _principledNucleus = new PrincipledNucleus(vocabularySize, temperature, parameters.TopP, biasedTokens, biases, _forbidden);
        }
    }

    /// <summary>The last step's log-probabilities, where the request asked for them.</summary>
    public LogprobCalculator? Logprobs { get; }

    /// <summary>The last token's log-probability in <see cref="Logprobs"/>' distribution.</summary>
    public float LastLogprob { get; private set; }

    /// <summary>For an aligned stream asking for log-probabilities, the last token's under W alone and U alone.</summary>
    public Generation.PrincipleLogprobs? LastPrincipleLogprobs { get; private set; }

    /// <summary>How long the last step's log-probabilities took; zero when not asked for.</summary>
    public TimeSpan LastLogprobDuration { get; private set; }

    /// <summary>Samples a plain stream's token from the logits at batch index <paramref name="index"/>.</summary>
    public int SamplePlain(SafeLlamaContextHandle context, int index, LogitsObserver? observer)
    {
        if (_forbidden is null && observer is null && Logprobs is null && _grammar is null)
        {
            return LlamaApi.SamplerSample(_chain, context, index);
        }
        // The context's logits row is this stream's alone until the next decode, so it is masked in place.
        var logits = new Span<float>(LlamaApi.GetLogitsIth(context, index), _vocabularySize);
        Forbid(logits);
        observer?.Invoke(logits);
        var token = _grammar is null ? LlamaApi.SamplerSample(_chain, context, index) : SampleWithGrammar(logits);
        if (Logprobs is not null)
        {
            // The model's own distribution, as llama-server reports it by default: the chain's bias, penalties,
            // temperature and truncation, and a grammar, are how a token is drawn, not what the model said.
            var started = Stopwatch.GetTimestamp();
            Logprobs.Over(logits);
            LastLogprob = Logprobs.Logprob(logits, token);
            LastLogprobDuration = Stopwatch.GetElapsedTime(started);
        }
        return token;
    }

    private int SampleWithGrammar(ReadOnlySpan<float> logits)
    {
        fixed (LlamaTokenData* candidates = _candidates)
        {
            var array = AllTokens(candidates, logits);
            LlamaApi.SamplerApply(_grammar!, &array);
            return AnyPossible(array) ? Draw(&array) : GrammarExhausted();
        }
    }

    /// <summary>Runs the chain over the candidates and records the drawn token in the chain's and the grammar's state.</summary>
    private int Draw(LlamaTokenDataArray* array)
    {
        LlamaApi.SamplerApply(_chain, array);
        var token = array->Data[array->Selected].Id;
        LlamaApi.SamplerAccept(_chain, token);
        if (_grammar is not null)
        {
            LlamaApi.SamplerAccept(_grammar, token);
        }
        return token;
    }

    /// <summary>How long the last alignment update over the logits took.</summary>
    public TimeSpan LastUpdateDuration { get; private set; }

    /// <summary>How long the last principled nucleus mask took; zero when top_p masks nothing.</summary>
    public TimeSpan LastMaskDuration { get; private set; }

    /// <summary>Samples an aligned stream's token from the W and U logits at the given batch indices.</summary>
    public int SampleAligned(
        SafeLlamaContextHandle context, int indexWith, int indexWithout, float stepSize, AlignmentMode mode, LogitsObserver? observer) =>
        SampleAligned(
            new ReadOnlySpan<float>(LlamaApi.GetLogitsIth(context, indexWith), _vocabularySize),
            new ReadOnlySpan<float>(LlamaApi.GetLogitsIth(context, indexWithout), _vocabularySize),
            stepSize,
            mode,
            observer);

    /// <summary>
    /// aligned = update(l_W, l_U); tokens outside the top-p nucleus of the principled distribution (with the logit
    /// bias, without forbidden tokens) are dropped; if none of the rest has any probability, the principled nucleus is
    /// sampled instead. Forbidden tokens are never picked on either path.
    /// </summary>
    internal int SampleAligned(
        ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> withoutPrinciple, float stepSize, AlignmentMode mode, LogitsObserver? observer)
    {
        var aligned = _aligned.AsSpan(0, _vocabularySize);
        var updateStarted = Stopwatch.GetTimestamp();
        AlignmentOperator.Apply(withPrinciple, withoutPrinciple, stepSize, mode, aligned);
        LastUpdateDuration = Stopwatch.GetElapsedTime(updateStarted);
        Forbid(aligned);
        observer?.Invoke(aligned);

        if (_principledNucleus is null && _chainIsArgmax)
        {
            var argmax = TensorPrimitives.IndexOfMax(aligned);
            RecordAligned(aligned, withPrinciple, withoutPrinciple, argmax, preparedOverCandidates: false, TimeSpan.Zero);
            return argmax;
        }

        fixed (LlamaTokenData* candidates = _candidates)
        {
            var maskStarted = Stopwatch.GetTimestamp();
            var array = _principledNucleus is null
                ? AllTokens(candidates, aligned)
                : PrincipledCandidates(candidates, withPrinciple, aligned);
            LastMaskDuration = _principledNucleus is null ? TimeSpan.Zero : Stopwatch.GetElapsedTime(maskStarted);
            if (_grammar is not null)
            {
                LlamaApi.SamplerApply(_grammar, &array);
                if (_principledNucleus is not null && !AnyPossible(array))
                {
                    // The nucleus and the grammar left nothing: the grammar over the aligned distribution alone.
                    array = AllTokens(candidates, aligned);
                    LlamaApi.SamplerApply(_grammar, &array);
                }
                if (!AnyPossible(array))
                {
                    return GrammarExhausted();
                }
            }
            // Over what the chain is about to draw from (what the nucleus and the grammar left), before the chain reorders it.
            var overCandidates = Logprobs is not null && (_principledNucleus is not null || _grammar is not null);
            var logprobsTime = TimeSpan.Zero;
            if (overCandidates)
            {
                var logprobsStarted = Stopwatch.GetTimestamp();
                Logprobs!.Over(candidates, (int)array.Size);
                logprobsTime = Stopwatch.GetElapsedTime(logprobsStarted);
            }
            var token = Draw(&array);
            RecordAligned(aligned, withPrinciple, withoutPrinciple, token, overCandidates, logprobsTime);
            return token;
        }
    }

    /// <summary>
    /// Every token the grammar allows next is banned (a logit bias of -100 on the end-of-generation tokens, say, once
    /// the grammar is complete): the reply ends here, as at an end-of-generation token, rather than draw a token the
    /// grammar refuses.
    /// </summary>
    private int GrammarExhausted() =>
        _endOfGeneration >= 0 ? _endOfGeneration : throw new InvalidOperationException("The grammar allows no token, and the model has no end-of-generation token.");

    private static bool AnyPossible(LlamaTokenDataArray array)
    {
        for (nuint i = 0; i < array.Size; i++)
        {
            if (array.Data[i].Logit > float.NegativeInfinity)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The chosen token's log-probabilities: in the distribution drawn from (prepared over the candidates, or here over the whole aligned row), under W and under U.</summary>
    private void RecordAligned(
        ReadOnlySpan<float> aligned, ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> withoutPrinciple, int token,
        bool preparedOverCandidates, TimeSpan timeSoFar)
    {
        if (Logprobs is null)
        {
            return;
        }
        var started = Stopwatch.GetTimestamp();
        if (!preparedOverCandidates)
        {
            Logprobs.Over(aligned);
        }
        LastLogprob = Logprobs.Logprob(aligned, token);
        LastPrincipleLogprobs = new Generation.PrincipleLogprobs(
            Logprobs.LogSoftmaxAt(withPrinciple, token, _forbidden), Logprobs.LogSoftmaxAt(withoutPrinciple, token, _forbidden));
        LastLogprobDuration = Stopwatch.GetElapsedTime(started) + timeSoFar;
    }

    private void Forbid(Span<float> logits)
    {
        if (_forbidden is null)
        {
            return;
        }
        foreach (var token in _forbidden)
        {
            logits[token] = float.NegativeInfinity;
        }
    }

    /// <summary>
    /// Banned tokens (OpenAI's bias of -100) and, when ignored, end-of-generation tokens: they get minus infinity
    /// rather than a finite push, which a token that is the only candidate left would survive.
    /// </summary>
    private static int[]? Forbidden(SamplingParameters parameters, int[]? endOfGeneration)
    {
        IEnumerable<int> banned = parameters.HasLogitBias
            ? parameters.LogitBias!.Where(bias => bias.Value <= SamplingParameters.BanningBias).Select(bias => bias.Key)
            : [];
        int[] forbidden = [.. banned.Union(parameters.IgnoreEndOfGeneration ? endOfGeneration ?? [] : [])];
        return forbidden.Length == 0 ? null : forbidden;
    }

    public void Dispose()
    {
        _chain.Dispose();
        _grammar?.Dispose();
        Logprobs?.Dispose();
        _principledNucleus?.Dispose();
        if (_aligned is not null)
        {
            ArrayPool<float>.Shared.Return(_aligned);
            _aligned = null;
        }
        if (_candidates is not null)
        {
            ArrayPool<LlamaTokenData>.Shared.Return(_candidates);
            _candidates = null;
        }
    }

    private LlamaTokenDataArray AllTokens(LlamaTokenData* candidates, ReadOnlySpan<float> logits)
    {
        for (var i = 0; i < _vocabularySize; i++)
        {
            candidates[i] = new LlamaTokenData { Id = i, Logit = logits[i] };
        }
        return new LlamaTokenDataArray { Data = candidates, Size = (nuint)_vocabularySize, Selected = -1 };
    }

    private LlamaTokenDataArray PrincipledCandidates(LlamaTokenData* candidates, ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> aligned)
    {
        var nucleus = _principledNucleus!.Select(withPrinciple);
        var anyPlausible = false;
        for (var i = 0; i < nucleus.Length; i++)
        {
            var logit = aligned[nucleus[i]];
            anyPlausible |= logit > float.NegativeInfinity;
            candidates[i] = new LlamaTokenData { Id = nucleus[i], Logit = logit };
        }
        if (!anyPlausible)
        {
            // Unbiased l_W, as the aligned logits are: the chain adds the bias. Forbidden tokens carry no mass, but
            // top-p still keeps them when rounding leaves the rest just short of top_p.
            for (var i = 0; i < nucleus.Length; i++)
            {
                var id = nucleus[i];
                candidates[i].Logit = _forbidden is not null && _forbidden.AsSpan().Contains(id) ? float.NegativeInfinity : withPrinciple[id];
            }
        }
        return new LlamaTokenDataArray { Data = candidates, Size = (nuint)nucleus.Length, Selected = -1 };
    }

    private static SafeLlamaSamplerHandle BuildChain(SamplingParameters p, int vocabularySize, bool includeTopP)
    {
        var chain = NewChain();
        if (p.HasLogitBias)
        {
            var biases = p.LogitBias!.Select(kv => new LlamaLogitBias { Token = kv.Key, Bias = kv.Value }).ToArray();
            fixed (LlamaLogitBias* pointer = biases)
            {
                Add(chain, LlamaApi.SamplerInitLogitBias(vocabularySize, biases.Length, pointer));
            }
        }
        if (p.HasPenalties)
        {
            Add(chain, LlamaApi.SamplerInitPenalties(vocabularySize, p.PenaltyLastN, p.RepeatPenalty, p.FrequencyPenalty, p.PresencePenalty));
        }
        if (p.IsGreedy)
        {
            Add(chain, LlamaApi.SamplerInitGreedy());
            return chain;
        }
        if (p.TopK > 0)
        {
            Add(chain, LlamaApi.SamplerInitTopK(p.TopK));
        }
        if (includeTopP && p.TopP < 1f)
        {
            Add(chain, LlamaApi.SamplerInitTopP(p.TopP, 1));
        }
        if (p.MinP > 0f)
        {
            Add(chain, LlamaApi.SamplerInitMinP(p.MinP, 1));
        }
        Add(chain, LlamaApi.SamplerInitTemperature(p.Temperature));
        Add(chain, LlamaApi.SamplerInitDistribution(p.Seed ?? uint.MaxValue));
        return chain;
    }

    private static SafeLlamaSamplerHandle Grammar(nint vocabulary, string grammar)
    {
        var sampler = LlamaApi.SamplerInitGrammar(vocabulary, grammar, "root");
        // The planner checked that the grammar parses.
        return sampler == 0 ? throw new InvalidOperationException("llama.cpp could not parse the grammar.") : new SafeLlamaSamplerHandle(sampler);
    }

    private static SafeLlamaSamplerHandle NewChain()
    {
        var parameters = LlamaApi.SamplerChainDefaultParams();
        parameters.NoPerf = 1;
        var pointer = LlamaApi.SamplerChainInit(parameters);
        return pointer == 0 ? throw new OutOfMemoryException("llama_sampler_chain_init failed.") : new SafeLlamaSamplerHandle(pointer);
    }

    private static void Add(SafeLlamaSamplerHandle chain, nint sampler)
    {
        if (sampler == 0)
        {
            throw new InvalidOperationException("llama.cpp could not create a sampler.");
        }
        LlamaApi.SamplerChainAdd(chain, sampler);
    }
}
