using System.Text.Json.Nodes;
using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class RequestBodyTests
{
    private static JsonObject Chat(RequestShape shape) => RequestBody.Chat(shape, "m", [("user", "hi")], samplingSeed: 42);

    [Fact]
    public void A_fixed_length_request_is_greedy_ignores_the_end_of_turn_and_sends_max_tokens()
    {
        var body = Chat(new RequestShape { MaxTokens = 16 });

        Assert.Equal(16, (int)body["max_tokens"]!);
        Assert.Equal(0, (int)body["temperature"]!);
        Assert.True((bool)body["ignore_eos"]!);
        Assert.False(body.ContainsKey("seed"));
    }

    [Fact]
    public void A_sampled_request_without_max_tokens_sends_the_OpenAI_defaults_and_its_seed_and_may_end_its_turn()
    {
        var body = Chat(new RequestShape { MaxTokens = null, Decoding = Decoding.Sampled });

        Assert.False(body.ContainsKey("max_tokens"));
        Assert.False(body.ContainsKey("ignore_eos"));
        Assert.Equal((1, 1, 0, 0), ((int)body["temperature"]!, (int)body["top_p"]!, (int)body["top_k"]!, (int)body["min_p"]!));
        Assert.Equal(42, (int)body["seed"]!);
        Assert.True((bool)body["stream"]!);
    }

    [Fact]
    public void An_aligned_request_sends_its_principle_and_step_size()
    {
        var body = Chat(new RequestShape { Principle = "Be kind", StepSize = 2 });

        Assert.Equal(("Be kind", 2.0), ((string)body["principle"]!, (double)body["step_size"]!));
    }
}
