using System.ComponentModel.DataAnnotations;

namespace LinearAlign.Engine.Options;

/// <summary>Configuration section "Engine": scheduling of requests onto KV cache sequences.</summary>
public sealed class EngineOptions
{
    public const string SectionName = "Engine";

    /// <summary>KV cache sequences decoded together; a plain request takes one, an aligned request two.</summary>
    [Range(2, 256)]
    public int MaxSequences { get; set; } = 16;

    /// <summary>Requests waiting for a sequence; beyond this new requests are refused.</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 128;

    /// <summary>Prefill the tokens W and U share once and copy them (llama_memory_seq_cp) instead of prefilling twice.</summary>
    public bool ShareAlignedPrefix { get; set; } = true;

    /// <summary>
    /// KV cache sequences that running requests and the prompt cache hold together at most: finished requests'
    /// sequences are kept within it so that a request whose prompt starts the same way takes them over, least
    /// recently finished evicted first, as llama-server reuses its slots. Bounded because every kept cell widens the
    /// attention span of every decode step. An aligned conversation holds two sequences. 0 = no prompt cache.
    /// </summary>
    [Range(0, 256)]
    public int PromptCacheSequences { get; set; } = 4;
}
