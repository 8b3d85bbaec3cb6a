using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Sampling;
using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Generation;

/// <summary>Bad requests are refused with a typed error naming the parameter, before they take a sequence.</summary>
[Collection(EngineCollection.Name)]
public sealed class RequestValidationTests(EngineFixture fixture)
{
    public static TheoryData<SamplingParameters, string> BadSampling => new()
    {
        { new SamplingParameters { Temperature = -0.1f }, "temperature" },
        { new SamplingParameters { Temperature = float.NaN }, "temperature" },
        { new SamplingParameters { TopP = 0f }, "top_p" },
        { new SamplingParameters { TopK = -1 }, "top_k" },
        { new SamplingParameters { MinP = 1.5f }, "min_p" },
        { new SamplingParameters { PresencePenalty = 3f }, "presence_penalty" },
        { new SamplingParameters { FrequencyPenalty = -2.5f }, "frequency_penalty" },
        { new SamplingParameters { RepeatPenalty = 0f }, "repeat_penalty" },
        { new SamplingParameters { LogitBias = new Dictionary<int, float> { [1_000_000] = 1f } }, "logit_bias" },
        { new SamplingParameters { LogitBias = new Dictionary<int, float> { [5] = 101f } }, "logit_bias" },
    };

    [Theory]
    [MemberData(nameof(BadSampling))]
    public void Out_of_range_sampling_parameters_are_rejected_naming_the_parameter(SamplingParameters sampling, string param)
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Requests.Plain("What is it") with { Sampling = sampling }));

        Assert.Equal((EngineErrorCode.InvalidParameter, param), (error.Code, error.Param));
    }

    [Theory]
    [InlineData(20.5f)]
    [InlineData(-11f)]
    [InlineData(float.PositiveInfinity)]
    public void A_step_size_outside_the_configured_range_is_rejected(float stepSize)
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Requests.Aligned("What is it", "Be kind", stepSize)));

        Assert.Equal((EngineErrorCode.InvalidParameter, "step_size"), (error.Code, error.Param));
    }

    [Fact]
    public void Max_tokens_below_one_is_rejected()
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Requests.Plain("What is it", maxTokens: 0)));

        Assert.Equal("max_tokens", error.Param);
    }

    [Fact]
    public void An_empty_message_list_is_rejected()
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(new GenerationRequest { Messages = [] }));

        Assert.Equal("messages", error.Param);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_rejected_with_its_token_count()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("the answer", EngineFixture.ContextSize));

        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Requests.Plain(longPrompt)));

        Assert.Equal(EngineErrorCode.ContextLengthExceeded, error.Code);
        Assert.Equal(EngineFixture.ContextSize, error.ContextSize);
        Assert.True(error.PromptTokens > EngineFixture.ContextSize);
    }

    [Fact]
    public async Task A_prompt_that_fits_alone_but_not_with_the_principle_and_second_sequence_is_rejected()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("the", EngineFixture.ContextSize * 2 / 3));

        Assert.Equal(FinishReason.Length, (await fixture.Engine.Submit(Requests.Plain(prompt, 1)).Completion).FinishReason);
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(Requests.Aligned(prompt, "Be kind", 2f)));
        Assert.Equal(EngineErrorCode.ContextLengthExceeded, error.Code);
    }

    [Fact]
    public async Task A_prompt_that_fits_but_leaves_little_room_ends_with_finish_reason_length()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("the", EngineFixture.ContextSize - 8));

        var result = await fixture.Engine.Submit(Requests.Plain(prompt, maxTokens: 100) with
        {
            Sampling = Requests.Greedy with { LogitBias = Requests.NoEndOfGeneration },
        }).Completion;

        Assert.Equal(FinishReason.Length, result.FinishReason);
        Assert.True(result.Usage.PromptTokens + result.Usage.CompletionTokens <= EngineFixture.ContextSize);
    }

    [Fact]
    public void A_chat_request_needs_messages_or_a_prompt_but_not_both()
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(new GenerationRequest
        {
            Prompt = "hi",
            Messages = [new ChatMessage(ChatMessage.User, "hi")],
        }));

        Assert.Equal(EngineErrorCode.InvalidParameter, error.Code);
    }

    public static TheoryData<GenerationRequest, string> BadPrinciples => new()
    {
        { Requests.Aligned("What is it", "Be kind", 2f) with { Principles = [new SteeringPrinciple("Be brief", 1f)] }, "principles" },
        { Requests.Plain("What is it") with { StepSize = 2f, Principles = [new SteeringPrinciple("Be brief", 1f)] }, "principles" },
        { Requests.Plain("What is it") with { Principles = [] }, "principles" },
        { Requests.Plain("What is it") with { Principles = [.. Enumerable.Repeat(new SteeringPrinciple("Be brief"), 5)] }, "principles" },
        { Requests.Plain("What is it") with { Principles = [new SteeringPrinciple("Be brief"), new SteeringPrinciple("  ")] }, "principles[1].text" },
        { Requests.Plain("What is it") with { Principles = [new SteeringPrinciple("Be brief", 21f)] }, "principles[0].step_size" },
        { Requests.Plain("What is it") with { Principles = [new SteeringPrinciple("Be kind"), new SteeringPrinciple("Be brief", float.NaN)] }, "principles[1].step_size" },
        { Requests.Plain("What is it") with { AlignmentDiagnostics = true }, "alignment_diagnostics" },
    };

    [Theory]
    [MemberData(nameof(BadPrinciples))]
    public void A_bad_principles_list_or_diagnostics_without_a_principle_is_rejected_naming_the_field(GenerationRequest request, string param)
    {
        var error = Assert.Throws<EngineException>(() => fixture.Engine.Submit(request));

        Assert.Equal((EngineErrorCode.InvalidParameter, param), (error.Code, error.Param));
    }
}
