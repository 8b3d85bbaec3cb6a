using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Tests;

/// <summary>Request builders the engine tests share.</summary>
public static class Requests
{
    public static readonly SamplingParameters Greedy = new() { Temperature = 0f };

    /// <summary>Biases the tiny model's end-of-generation tokens (&lt;/s&gt;, &lt;|im_end|&gt;) away, so a stream runs until max_tokens or cancellation.</summary>
    public static readonly IReadOnlyDictionary<int, float> NoEndOfGeneration = new Dictionary<int, float> { [2] = -100f, [4] = -100f };

    public static GenerationRequest Plain(string prompt, int maxTokens = 12) =>
        new() { Prompt = prompt, Sampling = Greedy, MaxTokens = maxTokens };

    public static GenerationRequest Aligned(string prompt, string principle, float stepSize, int maxTokens = 12) =>
        Plain(prompt, maxTokens) with { Principle = principle, StepSize = stepSize };
}
