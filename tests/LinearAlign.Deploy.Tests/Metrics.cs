namespace LinearAlign.Deploy.Tests;

internal enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// The metric families GET /metrics exports, the contract the dashboard, the autoscaler example, the adapter rule and
/// the inference gateway's endpoint picker are written against. One list, so a renamed metric fails every file that still uses the old name.
/// </summary>
internal static class Metrics
{
    public static IReadOnlyDictionary<string, MetricType> Families { get; } = new Dictionary<string, MetricType>
    {
        ["linearalign_prompt_tokens_total"] = MetricType.Counter,
        ["linearalign_prompt_tokens_cached_total"] = MetricType.Counter,
        ["linearalign_generated_tokens_total"] = MetricType.Counter,
        ["linearalign_requests_total"] = MetricType.Counter,
        ["linearalign_decode_steps_total"] = MetricType.Counter,
        ["linearalign_preemptions_total"] = MetricType.Counter,
        ["linearalign_recomputed_tokens_total"] = MetricType.Counter,
        ["linearalign_generation_tokens_per_second"] = MetricType.Gauge,
        ["linearalign_prompt_tokens_per_second"] = MetricType.Gauge,
        ["linearalign_requests_running"] = MetricType.Gauge,
        ["linearalign_requests_queued"] = MetricType.Gauge,
        ["linearalign_sequences_in_use"] = MetricType.Gauge,
        ["linearalign_sequences_max"] = MetricType.Gauge,
        ["linearalign_sequences_cached"] = MetricType.Gauge,
        ["linearalign_kv_cells_cached"] = MetricType.Gauge,
        ["linearalign_inference_thread_allocated_bytes"] = MetricType.Gauge,
        ["linearalign_kv_cells_used"] = MetricType.Gauge,
        ["linearalign_kv_cells_total"] = MetricType.Gauge,
        ["linearalign_kv_cache_usage_ratio"] = MetricType.Gauge,
        ["linearalign_device_memory_used_bytes"] = MetricType.Gauge,
        ["linearalign_device_memory_free_bytes"] = MetricType.Gauge,
        ["linearalign_device_memory_total_bytes"] = MetricType.Gauge,
        ["linearalign_process_resident_memory_bytes"] = MetricType.Gauge,
        ["linearalign_time_to_first_token_seconds"] = MetricType.Histogram,
        ["linearalign_time_per_output_token_seconds"] = MetricType.Histogram,
        ["linearalign_request_duration_seconds"] = MetricType.Histogram,
        ["linearalign_queue_wait_seconds"] = MetricType.Histogram,
        ["linearalign_decode_step_duration_seconds"] = MetricType.Histogram,
        ["linearalign_alignment_update_duration_seconds"] = MetricType.Histogram,
    };

    private static readonly string[] HistogramSeries = ["_bucket", "_sum", "_count"];

    /// <summary>Whether a series name is exported: a counter or gauge by its name, a histogram by its _bucket, _sum or _count.</summary>
    public static bool IsExportedSeries(string name) =>
        Families.TryGetValue(name, out var type)
            ? type != MetricType.Histogram
            : HistogramSeries.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && IsHistogram(name[..^suffix.Length]));

    private static bool IsHistogram(string family) => Families.TryGetValue(family, out var type) && type == MetricType.Histogram;
}
