using static Microsoft.Playwright.Assertions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>The playground on a model that declares its principles: it offers those instead of the generic examples.</summary>
public sealed class PlaygroundPrinciplesTests(PrincipledPlaygroundFixture fixture) : IClassFixture<PrincipledPlaygroundFixture>
{
    private static readonly string[] Names = [.. PrincipledPlaygroundFixture.Principles.Select(p => p.Name)];

    [Fact]
    public async Task The_examples_are_the_model_s_principles_by_name()
    {
        await using var playground = await fixture.OpenAsync();

        await Expect(playground.Examples).ToHaveTextAsync(Names);
        Assert.Empty(playground.ScriptErrors);
    }

    [Fact]
    public async Task The_principle_starts_as_the_model_s_first()
    {
        await using var playground = await fixture.OpenAsync();

        await Expect(playground.Principle).ToHaveValueAsync(PrincipledPlaygroundFixture.Principles[0].Principle);
    }

    [Fact]
    public async Task Choosing_one_of_the_model_s_principles_with_the_keyboard_puts_its_text_in_the_principle_box()
    {
        await using var playground = await fixture.OpenAsync();
        var (name, principle) = PrincipledPlaygroundFixture.Principles[1];

        await playground.Examples.GetByText(name, new() { Exact = true }).PressAsync("Enter");

        await Expect(playground.Principle).ToHaveValueAsync(principle);
    }

    [Fact]
    public async Task With_several_principles_an_example_fills_the_first_and_leaves_the_others()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.AddPrinciple.ClickAsync();
        await playground.PrincipleNumber(2).FillAsync("Answer in rhyme.");
        var (name, principle) = PrincipledPlaygroundFixture.Principles[2];

        await playground.Examples.GetByText(name, new() { Exact = true }).ClickAsync();

        await Expect(playground.Principle).ToHaveValueAsync(principle);
        await Expect(playground.PrincipleNumber(2)).ToHaveValueAsync("Answer in rhyme.");
    }

    [Fact]
    public async Task A_principle_typed_before_the_model_list_arrives_is_kept()
    {
        await using var playground = await fixture.OpenAsync();
        var listAnswered = new TaskCompletionSource();
        await playground.Page.RouteAsync("**/v1/models", async route =>
        {
            await listAnswered.Task;
            await route.ContinueAsync();
        });
        await playground.Page.ReloadAsync();

        await playground.Principle.FillAsync("Answer in rhyme.");
        listAnswered.SetResult();

        await Expect(playground.Examples).ToHaveTextAsync(Names);
        await Expect(playground.Principle).ToHaveValueAsync("Answer in rhyme.");
    }
}
