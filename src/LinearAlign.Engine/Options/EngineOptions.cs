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

    /// <summary>
    /// Tokens per sequence kept free beside a request's prompt when it is admitted (within its max_tokens), so that it
    /// does not run out of cells, and preempt a request, as soon as it starts. Cells are otherwise taken as tokens are
    /// generated.
    /// </summary>
    [Range(1, 1_000_000)]
    public int AdmissionHeadroom { get; set; } = 16;

    /// <summary>Prefill the tokens W and U share once and copy them (llama_memory_seq_cp) instead of prefilling twice.</summary>
    public bool ShareAlignedPrefix { get; set; } = true;

    /// <summary>
    /// Keep a finished request's KV cache sequences until the next request is admitted, which takes them over when its
    /// prompt starts the same way (a chat growing by a turn, a repeated prompt) and computes only the rest.
    /// </summary>
    public bool PromptCache { get; set; } = true;
}
