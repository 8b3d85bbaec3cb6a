using System.Net;

namespace LinearAlign.Server.Tests.Metrics;

[Collection(ServerCollection.Name)]
public sealed class MetricsEndpointTests(ServerFixture server)
{
    private async Task<IReadOnlyDictionary<string, Family>> ScrapeAsync()
    {
        using var response = await server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return PrometheusExposition.Parse(await response.Content.ReadAsStringAsync());
    }

    private static double Value(IReadOnlyDictionary<string, Family> families, string sample, params (string Name, string Value)[] labels) =>
        families.Values.SelectMany(f => f.Samples)
            .Where(s => s.Name == sample && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))
            .Sum(s => s.Value);

    [Fact]
    public async Task The_whole_exposition_parses_strictly_and_names_every_metric_the_issue_lists()
    {
        // Sent twice, so that the second takes the first one's prompt from the cache and every counter has a series.
        const string chat = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"principle":"Be kind","logit_bias":{"2":-100,"4":-100}}""";
        await Api.PostAsync(server.Client, "/v1/chat/completions", chat);
        await Api.PostAsync(server.Client, "/v1/chat/completions", chat);

        var families = await ScrapeAsync();

        foreach (var (name, type) in new[]
        {
            ("linearalign_prompt_tokens_total", "counter"), ("linearalign_generated_tokens_total", "counter"), ("linearalign_requests_total", "counter"),
            ("linearalign_decode_steps_total", "counter"), ("linearalign_generation_tokens_per_second", "gauge"), ("linearalign_prompt_tokens_per_second", "gauge"),
            ("linearalign_requests_running", "gauge"), ("linearalign_requests_queued", "gauge"), ("linearalign_sequences_in_use", "gauge"),
            ("linearalign_sequences_max", "gauge"), ("linearalign_kv_cells_used", "gauge"), ("linearalign_kv_cells_total", "gauge"),
            ("linearalign_prompt_tokens_cached_total", "counter"), ("linearalign_sequences_cached", "gauge"), ("linearalign_kv_cells_cached", "gauge"),
            ("linearalign_inference_thread_allocated_bytes", "gauge"),
            ("linearalign_device_memory_used_bytes", "gauge"), ("linearalign_device_memory_free_bytes", "gauge"), ("linearalign_device_memory_total_bytes", "gauge"),
            ("linearalign_process_resident_memory_bytes", "gauge"), ("linearalign_time_to_first_token_seconds", "histogram"),
            ("linearalign_time_per_output_token_seconds", "histogram"), ("linearalign_request_duration_seconds", "histogram"),
            ("linearalign_queue_wait_seconds", "histogram"), ("linearalign_decode_step_duration_seconds", "histogram"),
            ("linearalign_alignment_update_duration_seconds", "histogram"), ("linearalign_kv_cache_usage_ratio", "gauge"),
            ("http_requests_received_total", "counter"), ("http_request_duration_seconds", "histogram"), ("http_requests_in_progress", "gauge"),
            ("process_cpu_seconds_total", "counter"), ("process_working_set_bytes", "gauge"), ("dotnet_collection_count_total", "counter"),
        })
        {
            Assert.True(families.TryGetValue(name, out var family), name);
            Assert.Equal(type, family.Type);
            Assert.False(string.IsNullOrWhiteSpace(family.Help), name);
        }
    }

    [Fact]
    public async Task Counters_and_histograms_move_with_real_requests_labelled_by_alignment_and_outcome()
    {
        var before = await ScrapeAsync();

        await Api.PostAsync(server.Client, "/v1/chat/completions", """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":4,"principle":"Be kind","logit_bias":{"2":-100,"4":-100}}""");
        await Api.PostAsync(server.Client, "/v1/completions", """{"prompt":"Hi","max_tokens":3,"logit_bias":{"2":-100,"4":-100}}""");
        await Api.PostAsync(server.Client, "/v1/completions", """{"prompt":"Hi","temperature":9}""");
        var after = await ScrapeAsync();

        double Delta(string sample, params (string, string)[] labels) => Value(after, sample, labels) - Value(before, sample, labels);
        Assert.Equal(4, Delta("linearalign_generated_tokens_total", ("aligned", "true"), ("model", "tiny")));
        Assert.Equal(3, Delta("linearalign_generated_tokens_total", ("aligned", "false")));
        Assert.Equal(1, Delta("linearalign_requests_total", ("aligned", "true"), ("outcome", "length")));
        Assert.Equal(1, Delta("linearalign_requests_total", ("aligned", "false"), ("outcome", "length")));
        Assert.Equal(1, Delta("linearalign_requests_total", ("outcome", "rejected")));
        Assert.True(Delta("linearalign_prompt_tokens_total", ("aligned", "true")) > 0);
        Assert.True(Delta("linearalign_decode_steps_total") >= 7);
        Assert.Equal(2, Delta("linearalign_time_to_first_token_seconds_count"));
        Assert.Equal(2, Delta("linearalign_request_duration_seconds_count"));
        Assert.Equal(4, Delta("linearalign_alignment_update_duration_seconds_count"));
        Assert.Equal(Delta("linearalign_decode_steps_total"), Delta("linearalign_decode_step_duration_seconds_count"));
    }

    [Fact]
    public async Task Occupancy_gauges_report_the_configured_capacity_and_an_idle_engine()
    {
        var families = await ScrapeAsync();

        Assert.Equal(8, Value(families, "linearalign_sequences_max"));
        Assert.Equal(ServerFixture.ContextSize, Value(families, "linearalign_kv_cells_total"));
        Assert.Equal(0, Value(families, "linearalign_sequences_in_use"));
        Assert.Equal(0, Value(families, "linearalign_requests_running"));
        Assert.Equal(Value(families, "linearalign_kv_cells_used") / ServerFixture.ContextSize, Value(families, "linearalign_kv_cache_usage_ratio"));
        Assert.Contains(families["linearalign_device_memory_total_bytes"].Samples, s => s.Labels["device"] == "CPU" && s.Value > 0);
        Assert.True(Value(families, "linearalign_process_resident_memory_bytes") > 0);
    }

    [Fact]
    public async Task Http_requests_are_counted_by_route_template_not_by_path()
    {
        await server.Client.GetAsync("/v1/models/tiny");
        await server.Client.GetAsync("/v1/models/no-such-model");

        var requests = (await ScrapeAsync())["http_requests_received_total"].Samples;

        Assert.Contains(requests, s => s.Labels["endpoint"] == "/v1/models/{*id}" && s.Labels["code"] == "200" && s.Value >= 1);
        Assert.Contains(requests, s => s.Labels["endpoint"] == "/v1/models/{*id}" && s.Labels["code"] == "404" && s.Value >= 1);
        Assert.DoesNotContain(requests, s => s.Labels["endpoint"].Contains("no-such-model"));
    }
}
