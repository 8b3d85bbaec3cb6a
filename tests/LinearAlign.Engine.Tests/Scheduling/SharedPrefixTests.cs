using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Scheduling;

/// <summary>Prefilling W and U's common tokens once and copying them (llama_memory_seq_cp) must not change any logit.</summary>
[Collection(EngineCollection.Name)]
public sealed class SharedPrefixTests(EngineFixture fixture)
{
    private const float StepSize = 4f;

    private static GenerationRequest ChatWithSystemMessage(List<float[]> observed) => new()
    {
        Messages =
        [
            new ChatMessage(ChatMessage.System, "You are a helpful assistant and you answer the question"),
            new ChatMessage(ChatMessage.User, "What is the answer to the question"),
        ],
        Principle = "Be kind",
        StepSize = StepSize,
        Sampling = Requests.Greedy,
        MaxTokens = 8,
        LogitsObserver = logits => observed.Add(logits.ToArray()),
    };

    [Fact]
    public async Task Logits_after_copying_the_shared_prefix_equal_those_of_prefilling_both_sequences_in_full()
    {
        var shared = new List<float[]>();
        var full = new List<float[]>();

        var withSharing = await fixture.Engine.Submit(ChatWithSystemMessage(shared)).Completion;
        var withoutSharing = await fixture.EngineWithoutPrefixSharing.Submit(ChatWithSystemMessage(full)).Completion;

        Assert.True(withSharing.Alignment!.SharedPrefixTokens > 5, "the system message should be shared");
        Assert.Equal(0, withoutSharing.Alignment!.SharedPrefixTokens);
        LogitAssert.Close(full, shared, StepSize);
        Assert.Equal(withoutSharing.Text, withSharing.Text);
    }

    [Fact]
    public async Task A_raw_completion_shares_only_what_the_two_prompts_start_with()
    {
        var result = await fixture.Engine.Submit(Requests.Aligned("What is the answer", "Be kind", 2f)).Completion;

        // "Be kind\n\nWhat is the answer" and "What is the answer" share just the BOS token.
        Assert.Equal(1, result.Alignment!.SharedPrefixTokens);
    }
}
