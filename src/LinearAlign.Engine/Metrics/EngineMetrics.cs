using System.Diagnostics;
using System.Diagnostics.Metrics;
using LinearAlign.Engine.Generation;

namespace LinearAlign.Engine.Metrics;

/// <summary>
/// The engine's instruments, on a meter of its own so that an exporter listens to exactly this engine. Names are the
/// Prometheus names (counters without "_total", which the exposition adds). Every recording passes prebuilt tag
/// arrays, so recording on the inference thread allocates nothing.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    public const string MeterName = "LinearAlign.Engine";

    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private static readonly double[] TokenBuckets = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1];
    private static readonly double[] UpdateBuckets = [0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001];

    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _cachedPromptTokens;
    private readonly Counter<long> _generatedTokens;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _decodeSteps;
    private readonly Counter<long> _preemptions;
    private readonly Counter<long> _recomputedTokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _decodeStep;
    private readonly Histogram<double> _alignmentUpdate;
    private readonly KeyValuePair<string, object?>[] _model;
    private readonly KeyValuePair<string, object?>[][] _byAlignment;
    private readonly KeyValuePair<string, object?>[][][] _byOutcome;
    private readonly TokenRateWindow[] _generatedRate = [new(), new()];
    private readonly TokenRateWindow[] _promptRate = [new(), new()];
    private int _running;
    private int _queued;
    private int _sequencesInUse;
    private int _cellsUsed;
    private int _sequencesCached;
    private int _cellsCached;
    private long _inferenceThreadAllocated;

    public EngineMetrics(string model, int maxSequences, int contextCells)
    {
        _model = [new("model", model)];
        _byAlignment = [Tags(model, aligned: false), Tags(model, aligned: true)];
        _byOutcome = [.. _byAlignment.Select(tags => Enum.GetValues<RequestOutcome>().Select(o => (KeyValuePair<string, object?>[])[.. tags, new("outcome", OutcomeName(o))]).ToArray())];

        Meter = new Meter(MeterName);
        _promptTokens = Meter.CreateCounter<long>("linearalign_prompt_tokens", "tokens", "Prompt tokens decoded (prefill); for aligned requests W and U, their shared prefix once.");
        _cachedPromptTokens = Meter.CreateCounter<long>("linearalign_prompt_tokens_cached", "tokens", "Prompt tokens (of W, the prompt usage reports) taken from the prompt cache instead of decoded.");
        _generatedTokens = Meter.CreateCounter<long>("linearalign_generated_tokens", "tokens", "Tokens generated.");
        _requests = Meter.CreateCounter<long>("linearalign_requests", "requests", "Requests ended, by outcome: stop, length, cancelled, error, or rejected before they were queued.");
        _decodeSteps = Meter.CreateCounter<long>("linearalign_decode_steps", "steps", "llama_decode calls; each carries every running stream and prefill chunks.");
        _preemptions = Meter.CreateCounter<long>("linearalign_preemptions", "requests", "Running requests preempted for want of KV cells; each resumes later by recomputing its cells.");
        _recomputedTokens = Meter.CreateCounter<long>("linearalign_recomputed_tokens", "tokens", "KV cells preempted requests recompute when they resume (prompt and generated tokens so far).");
        _timeToFirstToken = Histogram("linearalign_time_to_first_token_seconds", "From submission to the first generated token, queue wait included.", LatencyBuckets);
        _timePerOutputToken = Histogram("linearalign_time_per_output_token_seconds", "Mean time between generated tokens of a request, after its first.", TokenBuckets);
        _requestDuration = Histogram("linearalign_request_duration_seconds", "From submission to the end of a request.", LatencyBuckets);
        _queueWait = Histogram("linearalign_queue_wait_seconds", "From submission to admission onto KV cache sequences.", LatencyBuckets);
        _decodeStep = Histogram("linearalign_decode_step_duration_seconds", "Duration of one llama_decode call.", TokenBuckets);
        _alignmentUpdate = Histogram("linearalign_alignment_update_duration_seconds", "Duration of one linear alignment update over the vocabulary's logits.", UpdateBuckets);

        Meter.CreateObservableGauge("linearalign_generation_tokens_per_second", () => Rates(_generatedRate), "tokens/s", $"Generated tokens per second over the last {TokenRateWindow.Seconds} s.");
        Meter.CreateObservableGauge("linearalign_prompt_tokens_per_second", () => Rates(_promptRate), "tokens/s", $"Prompt tokens decoded per second over the last {TokenRateWindow.Seconds} s.");
        Meter.CreateObservableGauge("linearalign_requests_running", () => new Measurement<int>(Volatile.Read(ref _running), _model), "requests", "Requests holding KV cache sequences.");
        Meter.CreateObservableGauge("linearalign_requests_queued", () => new Measurement<int>(Volatile.Read(ref _queued), _model), "requests", "Requests accepted and waiting for sequences or KV cells.");
        Meter.CreateObservableGauge("linearalign_sequences_in_use", () => new Measurement<int>(Volatile.Read(ref _sequencesInUse), _model), "sequences", "KV cache sequences held by running requests (plain request 1, aligned 2 or one more per principle, an alignment comparison 2 more).");
        Meter.CreateObservableGauge("linearalign_sequences_cached", () => new Measurement<int>(Volatile.Read(ref _sequencesCached), _model), "sequences", "KV cache sequences the prompt cache keeps from finished requests.");
        Meter.CreateObservableGauge("linearalign_sequences_max", () => new Measurement<int>(maxSequences, _model), "sequences", "KV cache sequences available (Engine:MaxSequences).");
        Meter.CreateObservableGauge("linearalign_kv_cells_used", () => new Measurement<int>(Volatile.Read(ref _cellsUsed), _model), "cells", "KV cache cells holding tokens of running requests.");
        Meter.CreateObservableGauge("linearalign_kv_cells_cached", () => new Measurement<int>(Volatile.Read(ref _cellsCached), _model), "cells", "KV cache cells the prompt cache keeps from finished requests.");
        Meter.CreateObservableGauge("linearalign_inference_thread_allocated_bytes", () => new Measurement<long>(Volatile.Read(ref _inferenceThreadAllocated), _model), "By",
            "Bytes the inference thread has allocated since the engine started; it should not grow with generated tokens.");
        Meter.CreateObservableGauge("linearalign_kv_cells_total", () => new Measurement<int>(contextCells, _model), "cells", "KV cache cells in all (Model:ContextSize, unified across sequences).");
        // The Gateway API Inference Extension's KVCacheUtilization: the cells a new request cannot have. The prompt
        // cache's cells are not counted, since admission takes them back whenever it needs room.
        Meter.CreateObservableGauge("linearalign_kv_cache_usage_ratio", () => new Measurement<double>(Volatile.Read(ref _cellsUsed) / (double)contextCells, _model), "1",
            "Fraction (0 to 1) of the KV cache cells holding tokens of running requests: linearalign_kv_cells_used / linearalign_kv_cells_total.");
    }

    public Meter Meter { get; }

    public void PromptTokens(bool aligned, int tokens)
    {
        _promptTokens.Add(tokens, _byAlignment[Index(aligned)]);
        _promptRate[Index(aligned)].Add(tokens);
    }

    public void CachedPromptTokens(bool aligned, int tokens) => _cachedPromptTokens.Add(tokens, _byAlignment[Index(aligned)]);

    public void GeneratedTokens(bool aligned, int tokens)
    {
        _generatedTokens.Add(tokens, _byAlignment[Index(aligned)]);
        _generatedRate[Index(aligned)].Add(tokens);
    }

    public void DecodeStep(long startTimestamp)
    {
        _decodeSteps.Add(1, _model);
        _decodeStep.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _model);
    }

    /// <summary>A running request gave up its cells; <paramref name="recomputedTokens"/> are decoded again when it resumes.</summary>
    public void Preempted(bool aligned, int recomputedTokens)
    {
        _preemptions.Add(1, _byAlignment[Index(aligned)]);
        _recomputedTokens.Add(recomputedTokens, _byAlignment[Index(aligned)]);
    }

    public void AlignmentUpdate(TimeSpan duration) => _alignmentUpdate.Record(duration.TotalSeconds, _model);

    public void QueueWait(bool aligned, long submittedAt) => _queueWait.Record(Stopwatch.GetElapsedTime(submittedAt).TotalSeconds, _byAlignment[Index(aligned)]);

    public void FirstToken(bool aligned, long submittedAt) => _timeToFirstToken.Record(Stopwatch.GetElapsedTime(submittedAt).TotalSeconds, _byAlignment[Index(aligned)]);

    /// <summary>A request ended; <paramref name="firstTokenAt"/> is 0 when it generated nothing.</summary>
    public void Ended(bool aligned, RequestOutcome outcome, long submittedAt, long firstTokenAt, int generated)
    {
        var tags = _byAlignment[Index(aligned)];
        _requests.Add(1, _byOutcome[Index(aligned)][(int)outcome]);
        _requestDuration.Record(Stopwatch.GetElapsedTime(submittedAt).TotalSeconds, tags);
        if (firstTokenAt != 0 && generated > 1)
        {
            _timePerOutputToken.Record(Stopwatch.GetElapsedTime(firstTokenAt).TotalSeconds / (generated - 1), tags);
        }
    }

    /// <summary>Refused before it was queued: bad parameters, no room in the context, a full queue, shutdown.</summary>
    public void Rejected(bool aligned) => _requests.Add(1, _byOutcome[Index(aligned)][(int)RequestOutcome.Rejected]);

    /// <summary>The scheduler's state after a step, for the gauges; called on the inference thread.</summary>
    public void Occupancy(int running, int queued, int sequencesInUse, int cellsUsed, int sequencesCached, int cellsCached)
    {
        Volatile.Write(ref _inferenceThreadAllocated, GC.GetAllocatedBytesForCurrentThread());
        Volatile.Write(ref _sequencesCached, sequencesCached);
        Volatile.Write(ref _cellsCached, cellsCached);
        Volatile.Write(ref _running, running);
        Volatile.Write(ref _queued, queued);
        Volatile.Write(ref _sequencesInUse, sequencesInUse);
        Volatile.Write(ref _cellsUsed, cellsUsed);
    }

    public static RequestOutcome Outcome(FinishReason reason) => reason switch
    {
        FinishReason.Stop => RequestOutcome.Stop,
        FinishReason.Length => RequestOutcome.Length,
        _ => RequestOutcome.Cancelled,
    };

    public void Dispose() => Meter.Dispose();

    private Histogram<double> Histogram(string name, string description, double[] buckets) =>
        Meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });

    private IEnumerable<Measurement<double>> Rates(TokenRateWindow[] windows) =>
        [new(windows[0].PerSecond(), _byAlignment[0]), new(windows[1].PerSecond(), _byAlignment[1])];

    private static int Index(bool aligned) => aligned ? 1 : 0;

    private static KeyValuePair<string, object?>[] Tags(string model, bool aligned) => [new("model", model), new("aligned", aligned ? "true" : "false")];

    private static string OutcomeName(RequestOutcome outcome) => outcome.ToString().ToLowerInvariant();
}

public enum RequestOutcome
{
    Stop,
    Length,
    Cancelled,
    Error,
    Rejected,
}
