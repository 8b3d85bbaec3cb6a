using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>The JSON schema field of the Advanced section: what the page sends with it, and what it shows when it cannot.</summary>
public sealed class PlaygroundJsonSchemaTests(PlaygroundFixture fixture) : IClassFixture<PlaygroundFixture>
{
    private const string Schema = """{"type":"object","properties":{"mood":{"type":"string","enum":["happy","sad"]}},"required":["mood"],"additionalProperties":false}""";

    [Fact]
    public async Task A_filled_schema_is_sent_as_response_format_json_schema_with_the_parsed_schema()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("24");
        await playground.Advanced.ClickAsync();
        await playground.JsonSchema.FillAsync(Schema);

        var request = await playground.SendAsync("How do you feel?");
        await playground.WaitUntilRepliesEndAsync();

        var format = JsonNode.Parse(request.PostDataJSON()!.Value.GetProperty("response_format").GetRawText());
        var expected = new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "playground", ["schema"] = JsonNode.Parse(Schema), ["strict"] = true },
        };
        Assert.True(JsonNode.DeepEquals(expected, format), $"response_format was {format}.");
        await Expect(playground.Alert).ToBeHiddenAsync();
        await Expect(playground.Turns).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task An_empty_schema_field_sends_no_response_format()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");
        await Expect(playground.JsonSchema).ToBeHiddenAsync();

        var request = await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        Assert.False(request.PostDataJSON()!.Value.TryGetProperty("response_format", out _));
    }

    [Fact]
    public async Task A_schema_that_is_not_json_shows_an_error_under_the_field_and_sends_nothing()
    {
        await using var playground = await fixture.OpenAsync();
        var requests = 0;
        playground.Page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/v1/chat/completions", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref requests);
            }
        };
        await playground.Advanced.ClickAsync();
        await playground.JsonSchema.FillAsync("{type: object}");
        await playground.UserMessage.FillAsync("Hello");

        await playground.Send.ClickAsync();

        await Expect(playground.JsonSchemaError).ToHaveTextAsync(new Regex("^Not valid JSON: "));
        await Expect(playground.JsonSchema).ToHaveAccessibleErrorMessageAsync(new Regex("^Not valid JSON: "));
        await Expect(playground.JsonSchema).ToBeFocusedAsync();
        Assert.Equal(0, Volatile.Read(ref requests));
        await Expect(playground.Turns).ToHaveCountAsync(0);
        await Expect(playground.UserMessage).ToHaveValueAsync("Hello");
    }

    [Fact]
    public async Task Editing_the_schema_clears_its_error()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.Advanced.ClickAsync();
        await playground.JsonSchema.FillAsync("{");
        await playground.UserMessage.FillAsync("Hello");
        await playground.Send.ClickAsync();
        await Expect(playground.JsonSchemaError).Not.ToBeEmptyAsync();

        await playground.JsonSchema.PressAsync("}");

        await Expect(playground.JsonSchemaError).ToBeHiddenAsync();
        await Expect(playground.JsonSchema).ToHaveAttributeAsync("aria-invalid", "false");
    }

    [Fact]
    public async Task A_schema_keyword_the_server_cannot_enforce_shows_the_server_s_error_in_the_alert()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.Advanced.ClickAsync();
        await playground.JsonSchema.FillAsync("""{"type":"number","multipleOf":2}""");

        await playground.SendAsync("Pick an even number.");

        await Expect(playground.Alert).ToHaveTextAsync(new Regex("^response_format\\.json_schema\\.schema: .*'multipleOf'"));
        await Expect(playground.Turns).ToHaveCountAsync(0);
        await Expect(playground.Send).ToBeEnabledAsync();
    }

    [Fact]
    public async Task The_example_button_fills_a_schema_from_the_keyboard()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.Advanced.PressAsync("Enter");

        await playground.ExampleSchema.PressAsync("Enter");

        var schema = JsonDocument.Parse(await playground.JsonSchema.InputValueAsync()).RootElement;
        Assert.Equal(["answer", "mood"], schema.GetProperty("required").EnumerateArray().Select(name => name.GetString()));
    }

    [Fact]
    public async Task The_open_advanced_section_fits_390_px_without_sideways_scrolling()
    {
        await using var playground = await fixture.OpenAsync(width: 390, height: 844);
        await playground.Advanced.ClickAsync();
        await playground.ExampleSchema.ClickAsync();

        var field = await playground.JsonSchema.BoundingBoxAsync() ?? throw new InvalidOperationException("The JSON schema field is not visible.");
        var scrollWidth = await playground.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");

        Assert.InRange(field.X + field.Width, field.Width, 390);
        Assert.True(scrollWidth <= 390, $"At 390 px the page is {scrollWidth} px wide and scrolls sideways.");
    }
}
