using LinearAlign.Engine.Text;

namespace LinearAlign.Engine.Tests.Text;

public sealed class PromptBuilderTests
{
    [Fact]
    public void The_principle_is_appended_to_the_first_system_message()
    {
        var messages = PromptBuilder.WithPrinciple(
            [new(ChatMessage.System, "You are terse."), new(ChatMessage.User, "Hi"), new(ChatMessage.System, "Later")],
            "Be kind.");

        Assert.Equal(
            [new(ChatMessage.System, "You are terse.\n\nBe kind."), new(ChatMessage.User, "Hi"), new(ChatMessage.System, "Later")],
            messages);
    }

    [Fact]
    public void Without_a_system_message_the_principle_becomes_one()
    {
        var messages = PromptBuilder.WithPrinciple([new(ChatMessage.User, "Hi")], "Be kind.");

        Assert.Equal([new(ChatMessage.System, "Be kind."), new(ChatMessage.User, "Hi")], messages);
    }

    [Fact]
    public void A_raw_completion_prompt_is_prefixed_with_the_principle_and_a_blank_line() =>
        Assert.Equal("Be kind.\n\nOnce upon", PromptBuilder.WithPrinciple("Once upon", "Be kind."));
}
