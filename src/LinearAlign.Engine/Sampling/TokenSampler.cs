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
    private readonly float[] _additionalStepSizes;
    private readonly nint[] _additionalRows;
    private readonly SteeringMeasure? _steering;
    // The chain's parameters without its draw, applied to P's logits; the draw then takes the number the chain drew
    // (_draws), so that it is what W alone would have chosen under the same draw.
    private readonly SafeLlamaSamplerHandle? _principledChain;
    private readonly UniformDraws? _draws;
    private readonly bool _greedy;
    private double _lastUniform;
    private float[]? _drawWeights;
    private float[]? _aligned;
    private float[]? _principled;
    private float[]? _scratch;
    private LlamaTokenData[]? _candidates;
    private LlamaTokenData[]? _principledCandidates;

    /// <param name="endOfGeneration">The model's end-of-generation tokens, never picked when the parameters ignore them.</param>
    /// <param name="topLogprobs">Null: no log-probabilities; else each step's, with this many of the most likely tokens.</param>
    /// <param name="vocabulary">llama.cpp's vocabulary, which a grammar in the parameters is read against.</param>
    /// <param name="additionalStepSizes">For an aligned stream with several principles, the steps of those after the first.</param>
    /// <param name="diagnostics">Measure each aligned step (<see cref="LastSteering"/>).</param>
    public TokenSampler(
        SamplingParameters parameters,
        int vocabularySize,
        bool aligned,
        int[]? endOfGeneration = null,
        int? topLogprobs = null,
        nint vocabulary = 0,
        float[]? additionalStepSizes = null,
        bool diagnostics = false)
    {
        _vocabularySize = vocabularySize;
        _additionalStepSizes = additionalStepSizes ?? [];
        _additionalRows = new nint[_additionalStepSizes.Length];
        if (diagnostics && parameters.Seed is null or uint.MaxValue && !parameters.IsGreedy)
        {
            // Both chains must draw the same numbers; llama.cpp would seed each at random.
            parameters = parameters with { Seed = (uint)Random.Shared.NextInt64(0, uint.MaxValue) };
        }
        Logprobs = topLogprobs is { } top ? new LogprobCalculator(vocabularySize, top) : null;
        _forbidden = Forbidden(parameters, endOfGeneration);
        _endOfGeneration = endOfGeneration is [var first, ..] ? first : -1;
        _chain = BuildChain(parameters, vocabularySize, includeTopP: !aligned);
        _grammar = parameters.Grammar is { } grammar ? Grammar(vocabulary, grammar) : null;
        _greedy = parameters.IsGreedy;
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
        if (_additionalStepSizes.Length > 0)
        {
            _principled = ArrayPool<float>.Shared.Rent(vocabularySize);
            _scratch = ArrayPool<float>.Shared.Rent(vocabularySize);
        }
        if (diagnostics)
        {
            _steering = new SteeringMeasure(vocabularySize);
            _principledChain = BuildChain(parameters, vocabularySize, includeTopP: false, includeDraw: false);
            _principledCandidates = ArrayPool<LlamaTokenData>.Shared.Rent(vocabularySize);
            if (!parameters.IsGreedy)
            {
                _draws = new UniformDraws(parameters.Seed!.Value);
                _drawWeights = ArrayPool<float>.Shared.Rent(vocabularySize);
            }
        }
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

    /// <summary>For an aligned stream measuring its steps, what steering did at the last one.</summary>
    public SteeringStep? LastSteering { get; private set; }

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
        if (_draws is not null && array->Size > 0)
        {
            // The chain's dist sampler drew exactly one number.
            _lastUniform = _draws.Next();
        }
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

    /// <summary>
    /// Samples an aligned stream's token from the logits at the given batch indices: W's (the first principle's), U's,
    /// and those of the principles after the first.
    /// </summary>
    public int SampleAligned(
        SafeLlamaContextHandle context,
        int indexWith,
        int indexWithout,
        ReadOnlySpan<int> additionalIndices,
        float stepSize,
        AlignmentMode mode,
        LogitsObserver? observer)
    {
        for (var i = 0; i < additionalIndices.Length; i++)
        {
            _additionalRows[i] = (nint)LlamaApi.GetLogitsIth(context, additionalIndices[i]);
        }
        return SampleAligned(
            new ReadOnlySpan<float>(LlamaApi.GetLogitsIth(context, indexWith), _vocabularySize),
            new ReadOnlySpan<float>(LlamaApi.GetLogitsIth(context, indexWithout), _vocabularySize),
            new PrincipleLogitRows(_additionalRows, _vocabularySize, _additionalStepSizes),
            stepSize,
            mode,
            observer);
    }

    /// <summary>As the engine samples a stream with one principle, from logits rows given directly.</summary>
    internal int SampleAligned(
        ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> withoutPrinciple, float stepSize, AlignmentMode mode, LogitsObserver? observer) =>
        SampleAligned(withPrinciple, withoutPrinciple, new PrincipleLogitRows([], []), stepSize, mode, observer);

    /// <summary>
    /// aligned = update(l_W, l_U) (with several principles, the combination over all of them); tokens outside the top-p
    /// nucleus of the principled distribution P (W's, or the s = 0 combination of several; with the logit bias, without
    /// forbidden tokens) are dropped; if none of the rest has any probability, the principled nucleus is sampled
    /// instead. Forbidden tokens are never picked on either path.
    /// </summary>
    internal int SampleAligned(
        ReadOnlySpan<float> firstWith,
        ReadOnlySpan<float> withoutPrinciple,
        PrincipleLogitRows others,
        float stepSize,
        AlignmentMode mode,
        LogitsObserver? observer)
    {
        var aligned = _aligned.AsSpan(0, _vocabularySize);
        var updateStarted = Stopwatch.GetTimestamp();
        ReadOnlySpan<float> withPrinciple;
        if (others.Count == 0)
        {
            AlignmentOperator.Apply(firstWith, withoutPrinciple, stepSize, mode, aligned);
            withPrinciple = firstWith;
        }
        else
        {
            var principled = _principled.AsSpan(0, _vocabularySize);
            AlignmentOperator.Apply(firstWith, withoutPrinciple, stepSize, others, mode, principled, aligned, _scratch.AsSpan(0, _vocabularySize));
            withPrinciple = principled;
        }
        LastUpdateDuration = Stopwatch.GetElapsedTime(updateStarted);
        var measurement = _steering?.Measure(aligned, withPrinciple, withoutPrinciple);
        Forbid(aligned);
        observer?.Invoke(aligned);

        if (_principledNucleus is null && _chainIsArgmax)
        {
            var argmax = TensorPrimitives.IndexOfMax(aligned);
            RecordAligned(aligned, withPrinciple, withoutPrinciple, argmax, preparedOverCandidates: false, TimeSpan.Zero);
            RecordSteering(measurement, aligned, withPrinciple, argmax, []);
            return argmax;
        }

        fixed (LlamaTokenData* candidates = _candidates)
        {
            var maskStarted = Stopwatch.GetTimestamp();
            var nucleus = _principledNucleus is null ? default : _principledNucleus.Select(withPrinciple);
            var array = _principledNucleus is null
                ? AllTokens(candidates, aligned)
                : PrincipledCandidates(candidates, nucleus, withPrinciple, aligned);
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
            RecordSteering(measurement, aligned, withPrinciple, token, nucleus);
            return token;
        }
    }

    /// <summary>
    /// What steering did at this step: the measurement, and the token P would have given under the same draw — the
    /// principled chain (same parameters, same random state) over P's nucleus, or over every token without one.
    /// </summary>
    private void RecordSteering(SteeringMeasurement? measurement, ReadOnlySpan<float> aligned, ReadOnlySpan<float> principled, int token, ReadOnlySpan<int> nucleus)
    {
        if (measurement is not { } measured)
        {
            return;
        }
        int choice;
        if (_principledNucleus is null && _chainIsArgmax)
        {
            choice = ArgmaxAllowed(principled);
        }
        else
        {
            fixed (LlamaTokenData* candidates = _principledCandidates)
            {
                var array = nucleus.IsEmpty ? AllTokens(candidates, principled) : Candidates(candidates, nucleus, principled);
                ForbidCandidates(array);
                if (_grammar is not null)
                {
                    LlamaApi.SamplerApply(_grammar, &array);
                    if (!AnyPossible(array))
                    {
                        array = AllTokens(candidates, principled);
                        ForbidCandidates(array);
                        LlamaApi.SamplerApply(_grammar, &array);
                    }
                }
                LlamaApi.SamplerApply(_principledChain!, &array);
                choice = _greedy ? array.Data[array.Selected].Id : DrawAt(array, _lastUniform);
            }
            // Its penalties follow the tokens the stream emits, as the chain's do.
            LlamaApi.SamplerAccept(_principledChain!, token);
        }
        LastSteering = new SteeringStep(
            choice,
            MathF.Exp(aligned[token] - measured.AlignedNormalizer),
            MathF.Exp(principled[token] - measured.PrincipledNormalizer),
            MathF.Exp(principled[choice] - measured.PrincipledNormalizer),
            measured.KlAlignedPrincipled,
            measured.KlPrincipledBase,
            measured.DirectionNorm);
    }

    /// <summary>
    /// The token llama.cpp's dist sampler picks from <paramref name="array"/> when it draws <paramref name="uniform"/>:
    /// the first whose running sum of exp(logit − max) reaches uniform times the total. Vectorised, where llama.cpp
    /// calls expf per token, so a draw within float rounding of a boundary may land on the neighbouring token.
    /// </summary>
    private int DrawAt(LlamaTokenDataArray array, double uniform)
    {
        var weights = _drawWeights.AsSpan(0, (int)array.Size);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = array.Data[i].Logit;
        }
        var max = TensorPrimitives.Max(weights);
        if (!float.IsFinite(max))
        {
            return array.Data[0].Id;
        }
        TensorPrimitives.Subtract(weights, max, weights);
        TensorPrimitives.Exp(weights, weights);
        var target = TensorPrimitives.Sum(weights) * uniform;
        const int block = 256;
        var running = 0d;
        for (var start = 0; start < weights.Length; start += block)
        {
            var part = weights.Slice(start, Math.Min(block, weights.Length - start));
            var partSum = TensorPrimitives.Sum(part);
            if (running + partSum < target)
            {
                running += partSum;
                continue;
            }
            for (var i = 0; i < part.Length; i++)
            {
                running += part[i];
                if (running >= target)
                {
                    return array.Data[start + i].Id;
                }
            }
        }
        return array.Data[weights.Length - 1].Id;
    }

    private int ArgmaxAllowed(ReadOnlySpan<float> logits)
    {
        if (_forbidden is null)
        {
            return TensorPrimitives.IndexOfMax(logits);
        }
        var best = -1;
        for (var i = 0; i < logits.Length; i++)
        {
            if ((best < 0 || logits[i] > logits[best]) && !_forbidden.AsSpan().Contains(i))
            {
                best = i;
            }
        }
        return best;
    }

    private void ForbidCandidates(LlamaTokenDataArray array)
    {
        if (_forbidden is null)
        {
            return;
        }
        for (nuint i = 0; i < array.Size; i++)
        {
            if (_forbidden.AsSpan().Contains(array.Data[i].Id))
            {
                array.Data[i].Logit = float.NegativeInfinity;
            }
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
        _principledChain?.Dispose();
        _steering?.Dispose();
        Return(ref _aligned);
        Return(ref _principled);
        Return(ref _scratch);
        Return(ref _drawWeights);
        if (_principledCandidates is not null)
        {
            ArrayPool<LlamaTokenData>.Shared.Return(_principledCandidates);
            _principledCandidates = null;
        }
        if (_candidates is not null)
        {
            ArrayPool<LlamaTokenData>.Shared.Return(_candidates);
            _candidates = null;
        }
    }

    private static void Return(ref float[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<float>.Shared.Return(buffer);
            buffer = null;
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

    private static LlamaTokenDataArray Candidates(LlamaTokenData* candidates, ReadOnlySpan<int> tokens, ReadOnlySpan<float> logits)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            candidates[i] = new LlamaTokenData { Id = tokens[i], Logit = logits[tokens[i]] };
        }
        return new LlamaTokenDataArray { Data = candidates, Size = (nuint)tokens.Length, Selected = -1 };
    }

    private LlamaTokenDataArray PrincipledCandidates(
        LlamaTokenData* candidates, ReadOnlySpan<int> nucleus, ReadOnlySpan<float> withPrinciple, ReadOnlySpan<float> aligned)
    {
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

    /// <param name="includeDraw">Whether the chain ends with the seeded draw; without it, a non-greedy chain leaves the candidates for one.</param>
    private static SafeLlamaSamplerHandle BuildChain(SamplingParameters p, int vocabularySize, bool includeTopP, bool includeDraw = true)
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
        if (includeDraw)
        {
            Add(chain, LlamaApi.SamplerInitDistribution(p.Seed ?? uint.MaxValue));
        }
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
