using System.Text.Json;
using System.Text.Json.Nodes;
using static Microsoft.Playwright.Assertions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>
/// The list of principles, each with its own step (negative ones included): what the page sends for one and for
/// several, and how entries are added and removed.
/// </summary>
public sealed class PlaygroundPrincipleListTests(PlaygroundFixture fixture) : IClassFixture<PlaygroundFixture>
{
    [Fact]
    public async Task Adding_a_second_principle_sends_principles_with_both_entries_and_no_principle_or_step_size()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("8");
        await playground.Principle.FillAsync("Be brief.");
        await playground.AddPrinciple.ClickAsync();
        await playground.PrincipleNumber(2).FillAsync("Talk like a pirate.");
        await playground.StepSizeFor(2).FillAsync("-3");

        var request = await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        var body = request.PostDataJSON()!.Value;
        Assert.False(body.TryGetProperty("principle", out _));
        Assert.False(body.TryGetProperty("step_size", out _));
        var principles = JsonNode.Parse(body.GetProperty("principles").GetRawText());
        var expected = JsonNode.Parse("""[{"text":"Be brief.","step_size":2},{"text":"Talk like a pirate.","step_size":-3}]""");
        Assert.True(JsonNode.DeepEquals(expected, principles), $"principles was {principles}.");
        // The server took it.
        await Expect(playground.Alert).ToBeHiddenAsync();
        await Expect(playground.Turns).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_negative_step_on_the_slider_sends_a_negative_step_size()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");

        await playground.StepSize.FillAsync("-4");
        var request = await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        Assert.Equal(-4, request.PostDataJSON()!.Value.GetProperty("step_size").GetDouble());
        await Expect(playground.Alert).ToBeHiddenAsync();
        await Expect(playground.Replies(0)[0].Heading).ToHaveTextAsync("Linear alignment (step -4)");
    }

    [Fact]
    public async Task The_step_slider_goes_down_to_minus_10_from_the_keyboard_and_says_it_steers_away()
    {
        await using var playground = await fixture.OpenAsync();

        await playground.StepSize.PressAsync("Home");

        await Expect(playground.StepSize).ToHaveValueAsync("-10");
        await Expect(playground.StepSize).ToHaveAttributeAsync("aria-valuetext", "-10, away from the principle");
    }

    [Fact]
    public async Task Two_principles_head_the_columns_with_both_steps_and_the_principle_steered_toward_in_the_prompt()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");
        await playground.AddPrinciple.ClickAsync();
        await playground.PrincipleNumber(2).FillAsync("Talk like a pirate.");
        await playground.StepSizeFor(2).FillAsync("-3");

        await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        var replies = playground.Replies(0);
        await Expect(replies[0].Heading).ToHaveTextAsync("Linear alignment (steps 2, -3)");
        await Expect(replies[1].Heading).ToHaveTextAsync("Principle 1 in prompt only");
    }

    [Fact]
    public async Task Add_principle_puts_the_focus_in_the_new_principle_and_is_disabled_at_four()
    {
        await using var playground = await fixture.OpenAsync();

        for (var number = 2; number <= 4; number++)
        {
            await playground.AddPrinciple.ClickAsync();
            await Expect(playground.PrincipleNumber(number)).ToBeFocusedAsync();
        }

        await Expect(playground.PrincipleBoxes).ToHaveCountAsync(4);
        await Expect(playground.AddPrinciple).ToBeDisabledAsync();
    }

    [Fact]
    public async Task Removing_a_principle_renumbers_those_below_and_moves_the_focus_to_the_remove_button_in_its_place()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.AddPrinciple.ClickAsync();
        await playground.PrincipleNumber(2).FillAsync("Talk like a pirate.");
        await playground.AddPrinciple.ClickAsync();
        await playground.PrincipleNumber(3).FillAsync("Be very polite.");

        await playground.RemovePrinciple(2).PressAsync("Enter");

        await Expect(playground.PrincipleBoxes).ToHaveCountAsync(2);
        await Expect(playground.PrincipleNumber(2)).ToHaveValueAsync("Be very polite.");
        await Expect(playground.RemovePrinciple(2)).ToBeFocusedAsync();
        await Expect(playground.RemovePrinciple(3)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Back_to_one_principle_the_page_sends_principle_and_step_size_again()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");
        await playground.AddPrinciple.ClickAsync();
        await playground.PrincipleNumber(2).FillAsync("Talk like a pirate.");
        await playground.RemovePrinciple(2).ClickAsync();

        var request = await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        var body = request.PostDataJSON()!.Value;
        Assert.False(body.TryGetProperty("principles", out _));
        Assert.Equal(JsonValueKind.String, body.GetProperty("principle").ValueKind);
        Assert.Equal(2, body.GetProperty("step_size").GetDouble());
    }

    [Fact]
    public async Task Four_principles_fit_390_px_without_sideways_scrolling()
    {
        await using var playground = await fixture.OpenAsync(width: 390, height: 844);
        for (var i = 0; i < 3; i++)
        {
            await playground.AddPrinciple.ClickAsync();
        }

        var remove = await playground.RemovePrinciple(4).BoundingBoxAsync() ?? throw new InvalidOperationException("The last Remove button is not visible.");
        var scrollWidth = await playground.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");

        Assert.InRange(remove.X + remove.Width, remove.Width, 390);
        Assert.True(scrollWidth <= 390, $"At 390 px the page is {scrollWidth} px wide and scrolls sideways.");
    }
}
