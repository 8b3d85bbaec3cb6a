using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using LinearAlign.Engine.Alignment;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Measurement;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Engine.Text;
using LinearAlign.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Bench;

/// <summary>
/// Plain vs aligned decoding through the real engine on one model: decode tokens/s, time to first token with
/// and without the shared-prefix copy, the bare 2-vs-1 step cost, and the cost of the alignment update and of the
/// principled nucleus mask themselves.
/// </summary>
public static class EngineBenchmark
{
    private const string Principle =
        "You are a kind and helpful assistant. Answer the question of the user in a clear and honest way, and be careful with what you say.";

    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        var modelPath = arguments.Required("model");
        var threads = arguments.Int("threads", Environment.ProcessorCount);
        var tokens = arguments.Int("tokens", 128);
        var promptTokens = arguments.Int("prompt-tokens", 500);
        var repeats = arguments.Int("repeats", 3);

        LlamaRuntime.Initialize(LlamaRuntime.DefaultLibraryDirectory, NullLogger.Instance);
        var modelOptions = new ModelOptions { Path = modelPath, ContextSize = 4096, BatchSize = 512, Threads = threads };
        using var model = LlamaModel.Load(modelPath, modelOptions);
        Console.WriteLine($"model: {model.Info.Description}, {model.Info.ParameterCount / 1e6:F1}M parameters, vocabulary {model.VocabularySize}; threads {threads}");

        // Every request here is repeated, so the prompt cache would answer the TTFT runs from the cache: prefill is measured.
        var engineOptions = new EngineOptions { MaxSequences = 4, PromptCache = false };
        using var probe = new StepCostProbe(model, modelOptions, engineOptions);

        var endOfGeneration = Enumerable.Range(0, model.VocabularySize).Where(model.IsEndOfGeneration).ToDictionary(t => t, _ => -100f);
        var sampling = new SamplingParameters { Temperature = 0f, LogitBias = endOfGeneration };
        // The reference code's evaluation defaults, under which the mask takes a top-p over the whole vocabulary every step.
        var referenceSampling = new SamplingParameters { Temperature = 0.5f, TopP = 0.8f, Seed = 1, LogitBias = endOfGeneration };
        var longSystem = WordsOfTokenLength(model, promptTokens);

        await using var shared = await InferenceEngine.StartAsync(model, modelOptions, engineOptions, new AlignmentOptions(), NullLogger.Instance);
        await using var unshared = await InferenceEngine.StartAsync(model, modelOptions, new EngineOptions { MaxSequences = engineOptions.MaxSequences, ShareAlignedPrefix = false, PromptCache = false }, new AlignmentOptions(), NullLogger.Instance);

        var stepOne = new List<double>();
        var stepTwo = new List<double>();
        var efficiency = new List<double>();
        var plainDecode = new List<double>();
        var alignedDecode = new List<double>();
        var sampledAlignedDecode = new List<double>();
        var plainTtft = new List<double>();
        var alignedTtft = new List<double>();
        var alignedTtftUnshared = new List<double>();
        var decodePrompt = new GenerationRequest { Prompt = "The answer to the question is", Sampling = sampling, MaxTokens = tokens };
        var sampledAligned = decodePrompt with { Principle = Principle, StepSize = 2f, Sampling = referenceSampling };
        var chat = new GenerationRequest
        {
            Messages = [new ChatMessage(ChatMessage.System, longSystem), new ChatMessage(ChatMessage.User, "What is the answer?")],
            Sampling = sampling,
            MaxTokens = 1,
        };

        // One full pass of each kind first, so that the timed ones run optimised code on built compute graphs.
        await MeasureAsync(shared, decodePrompt);
        await MeasureAsync(shared, decodePrompt with { Principle = Principle, StepSize = 2f });
        await MeasureAsync(shared, sampledAligned);
        await MeasureAsync(unshared, chat with { Principle = Principle, StepSize = 2f });
        for (var round = 0; round < repeats; round++)
        {
            var bare = probe.Measure();
            stepOne.Add(bare.OneSequenceMs);
            stepTwo.Add(bare.TwoSequencesMs);
            plainDecode.Add((await MeasureAsync(shared, decodePrompt)).DecodeTokensPerSecond);
            alignedDecode.Add((await MeasureAsync(shared, decodePrompt with { Principle = Principle, StepSize = 2f })).DecodeTokensPerSecond);
            // Aligned tokens/s against what bare two-sequence steps allow, both measured in this round.
            efficiency.Add(alignedDecode[^1] * bare.TwoSequencesMs / 1000);
            sampledAlignedDecode.Add((await MeasureAsync(shared, sampledAligned)).DecodeTokensPerSecond);
            plainTtft.Add((await MeasureAsync(shared, chat)).TimeToFirstTokenMs);
            alignedTtft.Add((await MeasureAsync(shared, chat with { Principle = Principle, StepSize = 2f })).TimeToFirstTokenMs);
            alignedTtftUnshared.Add((await MeasureAsync(unshared, chat with { Principle = Principle, StepSize = 2f })).TimeToFirstTokenMs);
        }

        var plainAllocation = await AllocatedPerTokenAsync(shared, decodePrompt);
        var alignedAllocation = await AllocatedPerTokenAsync(shared, decodePrompt with { Principle = Principle, StepSize = 2f });
        var updateMicroseconds = MeasureUpdate(model.VocabularySize);
        var principledRows = await PrincipledRowsAsync(shared, sampledAligned);
        var mask = MaskCostOver(principledRows, referenceSampling);
        var logprobs = LogprobCostOver(principledRows);
        var diagnostics = DiagnosticsCosts.Select(setting => (setting.Name, Microseconds: DiagnosticsCostOver(principledRows, setting.Sampling))).ToList();
        var gaussianMask = MaskCostOver(GaussianRows(model.VocabularySize), referenceSampling);
        var plainPrefill = await PrefilledTokensAsync(shared, chat);
        var alignedPrefill = await PrefilledTokensAsync(shared, chat with { Principle = Principle, StepSize = 2f });
        var principleTokens = model.Tokenize(Principle).Length;
        var chatTokens = shared.Prompts.Tokenize(shared.Prompts.RenderChat(chat.Messages!)).Length;

        var stepRatio = Statistics.Median(stepTwo) / Statistics.Median(stepOne);
        var ratio = Statistics.Median(alignedDecode) / Statistics.Median(plainDecode);
        var target = 0.95 / stepRatio;
        var alignedStepMs = 1000 / Statistics.Median(alignedDecode);
        var plainStepMs = 1000 / Statistics.Median(plainDecode);
        var sampledAlignedStepMs = 1000 / Statistics.Median(sampledAlignedDecode);
        var report = new Dictionary<string, object>
        {
            ["model"] = Path.GetFileName(modelPath),
            ["parameters"] = model.Info.ParameterCount,
            ["vocabulary"] = model.VocabularySize,
            ["threads"] = threads,
            ["generated_tokens"] = tokens,
            ["step_ms_1_sequence"] = stepOne,
            ["step_ms_2_sequences"] = stepTwo,
            ["step_cost_2_vs_1"] = stepRatio,
            ["plain_decode_tokens_per_s"] = plainDecode,
            ["aligned_decode_tokens_per_s"] = alignedDecode,
            ["aligned_over_plain"] = ratio,
            ["aligned_over_plain_target"] = target,
            ["aligned_efficiency_vs_bare_2_sequence_steps"] = efficiency,
            ["chat_prompt_tokens"] = chatTokens,
            ["principle_tokens"] = principleTokens,
            ["ttft_ms_plain"] = plainTtft,
            ["ttft_ms_aligned_shared_prefix"] = alignedTtft,
            ["ttft_ms_aligned_no_sharing"] = alignedTtftUnshared,
            ["prefilled_tokens_plain"] = plainPrefill,
            ["prefilled_tokens_aligned_shared_prefix"] = alignedPrefill,
            ["inference_thread_bytes_per_token_plain"] = plainAllocation,
            ["inference_thread_bytes_per_token_aligned"] = alignedAllocation,
            ["update_us_per_step"] = updateMicroseconds,
            ["update_share_of_aligned_step"] = updateMicroseconds / 1000 / alignedStepMs,
            ["sampled_aligned_decode_tokens_per_s"] = sampledAlignedDecode,
            ["mask_us_per_step"] = mask.MedianMicroseconds,
            ["mask_nucleus_tokens_median"] = mask.MedianNucleusTokens,
            ["mask_share_of_sampled_aligned_step"] = mask.MedianMicroseconds / 1000 / sampledAlignedStepMs,
            ["mask_us_per_step_gaussian_logits"] = gaussianMask.MedianMicroseconds,
            ["mask_nucleus_tokens_median_gaussian_logits"] = gaussianMask.MedianNucleusTokens,
            ["logprobs_top_5_us_per_step_plain"] = logprobs.PlainMicroseconds,
            ["logprobs_top_5_us_per_step_aligned"] = logprobs.AlignedMicroseconds,
            ["logprobs_top_5_share_of_plain_step"] = logprobs.PlainMicroseconds / 1000 / plainStepMs,
            ["logprobs_top_5_share_of_aligned_step"] = logprobs.AlignedMicroseconds / 1000 / alignedStepMs,
            ["alignment_diagnostics_us_per_step"] = diagnostics.ToDictionary(cost => cost.Name, cost => cost.Microseconds),
            ["alignment_diagnostics_share_of_aligned_step"] = diagnostics.ToDictionary(cost => cost.Name, cost => cost.Microseconds / 1000 / alignedStepMs),
        };

        Console.WriteLine();
        Console.WriteLine("| measure | value (median, min–max over " + repeats + " runs) |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| bare llama_decode step, 1 sequence (ms) | {Statistics.Spread(stepOne, "F2")} |");
        Console.WriteLine($"| bare llama_decode step, 2 sequences (ms) | {Statistics.Spread(stepTwo, "F2")} |");
        Console.WriteLine($"| plain decode tokens/s | {Statistics.Spread(plainDecode, "F1")} |");
        Console.WriteLine($"| aligned decode tokens/s | {Statistics.Spread(alignedDecode, "F1")} |");
        Console.WriteLine($"| aligned / plain | {ratio:F3} (≥ 0.95 / {stepRatio:F3} = {target:F3}, R of the bare steps above; the independent R is llama-batched-bench's, in bench/peer.sh) |");
        Console.WriteLine($"| aligned tokens/s ÷ bare 2-sequence steps/s, per round | {Statistics.Spread(efficiency.Select(e => e * 100).ToList(), "F1")} % |");
        Console.WriteLine($"| TTFT plain, {chatTokens}-token chat prompt (ms) | {Statistics.Spread(plainTtft, "F0")} |");
        Console.WriteLine($"| TTFT aligned, {principleTokens}-token principle, shared prefix (ms) | {Statistics.Spread(alignedTtft, "F0")} |");
        Console.WriteLine($"| TTFT aligned, no prefix sharing (ms) | {Statistics.Spread(alignedTtftUnshared, "F0")} |");
        Console.WriteLine($"| TTFT aligned / plain; prompt tokens prefilled, aligned / plain | {Statistics.Median(alignedTtft) / Statistics.Median(plainTtft):F3}; {alignedPrefill} / {plainPrefill} = {(double)alignedPrefill / plainPrefill:F3} |");
        Console.WriteLine($"| bytes allocated on the inference thread per generated token, plain / aligned | {plainAllocation:F1} / {alignedAllocation:F1} |");
        Console.WriteLine($"| alignment update per step (µs, vocabulary {model.VocabularySize}) | {updateMicroseconds:F1} ({updateMicroseconds / 10 / alignedStepMs:F2}% of an aligned step) |");
        Console.WriteLine($"| aligned decode tokens/s, temperature 0.5, top_p 0.8, seeded | {Statistics.Spread(sampledAlignedDecode, "F1")} |");
        Console.WriteLine(
            $"| principled nucleus mask per step, temperature 0.5, top_p 0.8 (µs; median nucleus {mask.MedianNucleusTokens:F0} tokens; " +
            $"on Gaussian logits of standard deviation 2, {gaussianMask.MedianNucleusTokens:F0} tokens) | " +
            $"{mask.MedianMicroseconds:F1} ({mask.MedianMicroseconds / 10 / sampledAlignedStepMs:F2}% of such an aligned step); " +
            $"Gaussian {gaussianMask.MedianMicroseconds:F1} ({gaussianMask.MedianMicroseconds / 10 / sampledAlignedStepMs:F2}%) |");
        Console.WriteLine(
            $"| logprobs with top_logprobs 5 per step, plain / aligned (µs) | {logprobs.PlainMicroseconds:F1} ({logprobs.PlainMicroseconds / 10 / plainStepMs:F2}% of a plain step) / " +
            $"{logprobs.AlignedMicroseconds:F1} ({logprobs.AlignedMicroseconds / 10 / alignedStepMs:F2}% of an aligned step) |");

        foreach (var (name, microseconds) in diagnostics)
        {
            Console.WriteLine($"| alignment_diagnostics per step, {name} (µs) | {microseconds:F1} ({microseconds / 10 / alignedStepMs:F2}% of an aligned step) |");
        }

        if (arguments.Optional("json") is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private sealed record Measurement(double TimeToFirstTokenMs, double DecodeTokensPerSecond);

    private static async Task<Measurement> MeasureAsync(InferenceEngine engine, GenerationRequest request)
    {
        var watch = Stopwatch.StartNew();
        var stream = engine.Submit(request);
        double? firstTokenMs = null;
        var tokens = 0;
        await foreach (var delta in stream.ReadDeltasAsync())
        {
            firstTokenMs ??= watch.Elapsed.TotalMilliseconds;
            tokens += delta.Tokens;
        }
        var totalMs = watch.Elapsed.TotalMilliseconds;
        var first = firstTokenMs ?? totalMs;
        var decodeTokensPerSecond = tokens > 1 ? (tokens - 1) / ((totalMs - first) / 1000) : 0;
        return new Measurement(first, decodeTokensPerSecond);
    }

    /// <summary>
    /// Managed bytes the inference thread allocates per generated token: the difference between a long and a short
    /// run of the same request, so per-request costs (sampler chains, buffers, the result) cancel out.
    /// </summary>
    /// <summary>Prompt tokens the engine decodes for <paramref name="request"/> (W and U, their shared prefix once), from its own counter.</summary>
    private static async Task<long> PrefilledTokensAsync(InferenceEngine engine, GenerationRequest request)
    {
        long prefilled = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, engine.Metrics.Meter) && instrument.Name == "linearalign_prompt_tokens")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, tokens, _, _) => Interlocked.Add(ref prefilled, tokens));
        listener.Start();
        await engine.Submit(request).Completion;
        return Interlocked.Read(ref prefilled);
    }

    private static async Task<double> AllocatedPerTokenAsync(InferenceEngine engine, GenerationRequest request)
    {
        async Task<long> AllocatedDuringAsync(int tokens)
        {
            var before = await EngineProbe.InferenceThreadAllocatedBytesAsync(engine);
            await engine.Submit(request with { MaxTokens = tokens }).Completion;
            return await EngineProbe.InferenceThreadAllocatedBytesAsync(engine) - before;
        }

        var shortRun = await AllocatedDuringAsync(8);
        var longRun = await AllocatedDuringAsync(8 + 120);
        return (longRun - shortRun) / 120.0;
    }

    private static double MeasureUpdate(int vocabularySize)
    {
        var random = new Random(1);
        var with = Enumerable.Range(0, vocabularySize).Select(_ => (float)random.NextDouble()).ToArray();
        var without = Enumerable.Range(0, vocabularySize).Select(_ => (float)random.NextDouble()).ToArray();
        var aligned = new float[vocabularySize];
        for (var i = 0; i < 2000; i++)
        {
            AlignmentOperator.Apply(with, without, 2f, AlignmentMode.Reference, aligned);
        }
        var samples = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            var start = Stopwatch.GetTimestamp();
            AlignmentOperator.Apply(with, without, 2f, AlignmentMode.Reference, aligned);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return Statistics.Median(samples);
    }

    private sealed record MaskCost(double MedianMicroseconds, double MedianNucleusTokens);

    private sealed record LogprobCost(double PlainMicroseconds, double AlignedMicroseconds);

    /// <summary>
    /// What asking for logprobs with 5 alternatives adds to a step, over real logits rows: for a plain stream its
    /// distribution and top tokens; for an aligned one those of the aligned row and the token under W and U. Greedy,
    /// so no nucleus narrows the distribution: the most it costs.
    /// </summary>
    private static LogprobCost LogprobCostOver(IReadOnlyList<float[]> rows)
    {
        using var sampler = new SamplerProbe(new SamplingParameters { Temperature = 0f }, rows[0].Length, topLogprobs: 5);
        var plain = new List<double>();
        var aligned = new List<double>();
        const int timedPasses = 4;
        // The first pass only warms up.
        for (var pass = 0; pass <= timedPasses; pass++)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var plainTime = sampler.TimePlainLogprobs(rows[i], 0);
                sampler.SampleAligned(rows[i], rows[(i + 1) % rows.Count], 2f, AlignmentMode.Reference);
                if (pass > 0)
                {
                    plain.Add(plainTime.TotalMicroseconds);
                    aligned.Add(sampler.LastLogprobDuration.TotalMicroseconds);
                }
            }
        }
        return new LogprobCost(Statistics.Median(plain), Statistics.Median(aligned));
    }

    /// <summary>The samplings diagnostics are timed under: greedy, the reference code's defaults, and OpenAI's (no nucleus: P's draw runs over the whole vocabulary).</summary>
    private static readonly (string Name, SamplingParameters Sampling)[] DiagnosticsCosts =
    [
        ("greedy", new SamplingParameters { Temperature = 0f }),
        ("temperature 0.5, top_p 0.8", new SamplingParameters { Temperature = 0.5f, TopP = 0.8f, Seed = 7 }),
        ("temperature 1, top_p 1", new SamplingParameters { Temperature = 1f, Seed = 7 }),
    ];

    /// <summary>
    /// What alignment_diagnostics adds to an aligned step over real logits rows: the same rows sampled by a sampler
    /// with diagnostics and one without, the difference of their medians.
    /// </summary>
    private static double DiagnosticsCostOver(IReadOnlyList<float[]> rows, SamplingParameters sampling)
    {
        using var traced = new SamplerProbe(sampling, rows[0].Length, diagnostics: true);
        using var untraced = new SamplerProbe(sampling, rows[0].Length);
        var withDiagnostics = new List<double>();
        var without = new List<double>();
        const int timedPasses = 4;
        for (var pass = 0; pass <= timedPasses; pass++)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var (withPrinciple, withoutPrinciple) = (rows[i], rows[(i + 1) % rows.Count]);
                var started = Stopwatch.GetTimestamp();
                traced.SampleAligned(withPrinciple, withoutPrinciple, 2f, AlignmentMode.Reference);
                var tracedTime = Stopwatch.GetElapsedTime(started);
                started = Stopwatch.GetTimestamp();
                untraced.SampleAligned(withPrinciple, withoutPrinciple, 2f, AlignmentMode.Reference);
                if (pass > 0)
                {
                    withDiagnostics.Add(tracedTime.TotalMicroseconds);
                    without.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
            }
        }
        return Statistics.Median(withDiagnostics) - Statistics.Median(without);
    }

    /// <summary>
    /// The l_W rows of <paramref name="request"/>, captured in one run: at step size 0 the aligned logits its tokens are
    /// sampled from are l_W bit for bit (forbidden tokens at minus infinity, which the mask sets again).
    /// </summary>
    private static Task<IReadOnlyList<float[]>> PrincipledRowsAsync(InferenceEngine engine, GenerationRequest request) =>
        EngineProbe.SampledLogitsAsync(engine, request with { StepSize = 0f });

    /// <summary>
    /// Rows unlike the forged model's, whose random weights leave one token so far ahead that expf underflows (cheaply
    /// skipped) for nearly all the others: a trained model's logits lie closer together, and most tokens cost a full expf.
    /// </summary>
    private static List<float[]> GaussianRows(int vocabularySize)
    {
        var random = new Random(3);
        float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return [.. Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, vocabularySize).Select(_ => 2f * Gaussian()).ToArray())];
    }

    /// <summary>The principled nucleus mask timed inside the sampler, replaying <paramref name="rows"/> as l_W (and as l_U: the update is not what is timed).</summary>
    private static MaskCost MaskCostOver(IReadOnlyList<float[]> rows, SamplingParameters sampling)
    {
        using var sampler = new SamplerProbe(sampling, rows[0].Length);
        var samples = new List<double>();
        const int timedPasses = 4;
        // The first pass only warms up.
        for (var pass = 0; pass <= timedPasses; pass++)
        {
            foreach (var row in rows)
            {
                sampler.SampleAligned(row, row, 0f, AlignmentMode.Reference);
                if (pass > 0)
                {
                    samples.Add(sampler.LastMaskDuration.TotalMicroseconds);
                }
            }
        }
        var nucleusSizes = rows.Select(row => (double)NucleusSize(row, sampling.Temperature, sampling.TopP)).ToList();
        return new MaskCost(Statistics.Median(samples), Statistics.Median(nucleusSizes));
    }

    /// <summary>How many tokens top-p keeps of softmax(logits / temperature), by a plain sort: context for the timing.</summary>
    private static int NucleusSize(float[] logits, float temperature, float topP)
    {
        var max = logits.Max();
        var weights = logits.Select(logit => Math.Exp((logit - max) / temperature)).OrderDescending().ToArray();
        var total = weights.Sum();
        var mass = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            mass += weights[i] / total;
            if (mass >= topP)
            {
                return i + 1;
            }
        }
        return weights.Length;
    }

    /// <summary>Prose of at least <paramref name="tokens"/> tokens, from a fixed seed so every run sees the same prompt.</summary>
    private static string WordsOfTokenLength(LlamaModel model, int tokens)
    {
        string[] words = ["the", "answer", "question", "is", "a", "kind", "helpful", "what", "how", "you", "principle", "and", "of", "to", "in", "it"];
        var random = new Random(7);
        var text = new List<string>();
        while (model.Tokenize(string.Join(' ', text)).Length < tokens)
        {
            for (var i = 0; i < 32; i++)
            {
                text.Add(words[random.Next(words.Length)]);
            }
        }
        return string.Join(' ', text);
    }
}
