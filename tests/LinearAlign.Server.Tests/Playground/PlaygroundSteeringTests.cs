using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>
/// The token view of the linear alignment reply: tokens that steering changed are highlighted from the stream's
/// linear_alignment.tokens, each telling what the principle in the prompt alone would have chosen, and a summary from
/// the final diagnostics sits under the reply.
/// </summary>
public sealed class PlaygroundSteeringTests(PlaygroundFixture fixture) : IClassFixture<PlaygroundFixture>
{
    private static readonly Regex Summary = new(@"^([0-9,]+) of ([0-9,]+) tokens steered · mean KL\(aligned‖W\) ([0-9.]+)$");

    [Fact]
    public async Task Every_request_asks_for_alignment_diagnostics()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");

        var request = await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        Assert.True(request.PostDataJSON()!.Value.GetProperty("alignment_diagnostics").GetBoolean());
        await Expect(playground.Alert).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_highlighted_tokens_of_the_aligned_reply_are_as_many_as_the_server_s_steered_tokens()
    {
        await using var playground = await fixture.OpenAsync();

        var stream = await SendSteeredAsync(playground);

        // A precondition, not the point: with nothing steered, no count of highlights could be wrong.
        Assert.InRange(stream.SteeredTokens, 1, stream.Steps);
        await Expect(playground.Replies(0)[0].SteeredTokens).ToHaveCountAsync(stream.SteeredTokens);
    }

    [Fact]
    public async Task The_summary_under_the_aligned_reply_gives_the_steered_tokens_of_the_total_and_the_mean_divergence()
    {
        await using var playground = await fixture.OpenAsync();

        var stream = await SendSteeredAsync(playground);

        var replies = playground.Replies(0);
        await Expect(replies[0].SteeringSummary).ToHaveTextAsync(Summary);
        var match = Summary.Match(await replies[0].SteeringSummary.InnerTextAsync());
        Assert.Equal(stream.SteeredTokens, int.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.Equal(stream.Steps, int.Parse(match.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        var meanKl = stream.Diagnostics.GetProperty("mean_kl_aligned_principled").GetDouble();
        // Shown to two significant digits.
        Assert.Equal(meanKl, double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture), meanKl * 0.05 + 1e-9);
        await Expect(replies[1].SteeringSummary).ToBeHiddenAsync();
        await Expect(replies[2].SteeringSummary).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_steered_token_is_reached_with_tab_and_tells_what_the_principle_alone_would_have_chosen()
    {
        await using var playground = await fixture.OpenAsync();
        var stream = await SendSteeredAsync(playground);
        var first = stream.Tokens.First(token => token.GetProperty("steered").GetBoolean());
        var alone = first.GetProperty("principle_choice");
        var aligned = playground.Replies(0)[0];

        // Tab goes on from where the pointer last clicked: the column's heading, just above the reply.
        await aligned.Heading.ClickAsync();
        await playground.Page.Keyboard.PressAsync("Tab");

        var mark = aligned.SteeredTokens.First;
        await Expect(mark).ToBeFocusedAsync();
        await Expect(mark).ToHaveAttributeAsync("tabindex", "0");
        var said = $"Principle in prompt alone: {SteeringStream.Label(alone.GetProperty("text").GetString()!)}, ";
        await Expect(mark).ToHaveAccessibleDescriptionAsync(new Regex("^Steered\\. " + Regex.Escape(said) + @"[<0-9., ]+%\. Chosen: .+ aligned, .+ with the principle in the prompt\.$"));
        await Expect(playground.TokenTip).ToBeVisibleAsync();
        await Expect(playground.TokenTip).ToContainTextAsync(said);
    }

    [Fact]
    public async Task Escape_hides_a_steered_token_s_tooltip_and_leaves_the_focus_on_the_token()
    {
        await using var playground = await fixture.OpenAsync();
        await SendSteeredAsync(playground);
        var mark = playground.Replies(0)[0].SteeredTokens.First;
        await mark.FocusAsync();
        await Expect(playground.TokenTip).ToBeVisibleAsync();

        await playground.Page.Keyboard.PressAsync("Escape");

        await Expect(playground.TokenTip).ToBeHiddenAsync();
        await Expect(mark).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Hovering_a_steered_token_shows_the_principle_s_own_choice_and_both_probabilities()
    {
        await using var playground = await fixture.OpenAsync();
        await SendSteeredAsync(playground);

        await playground.Replies(0)[0].SteeredTokens.First.HoverAsync();

        await Expect(playground.TokenTip).ToBeVisibleAsync();
        await Expect(playground.TokenTip).ToHaveTextAsync(
            new Regex(@"^Principle in prompt alone: .+, [<0-9., ]+%\s*Chosen: .+, [<0-9., ]+% aligned, [<0-9., ]+% with the principle in the prompt$"));
    }

    [Fact]
    public async Task At_390_px_the_token_view_and_a_steered_token_s_tooltip_fit_without_sideways_scrolling()
    {
        await using var playground = await fixture.OpenAsync(width: 390, height: 844);
        await SendSteeredAsync(playground);
        var marks = playground.Replies(0)[0].SteeredTokens;

        await marks.Last.FocusAsync();

        await Expect(playground.TokenTip).ToBeVisibleAsync();
        var tip = await playground.TokenTip.BoundingBoxAsync() ?? throw new InvalidOperationException("The tooltip is not visible.");
        var scrollWidth = await playground.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.InRange(tip.X, 0, 390 - tip.Width);
        Assert.True(scrollWidth <= 390, $"At 390 px the page is {scrollWidth} px wide and scrolls sideways.");
    }

    [Fact]
    public async Task Highlights_follow_the_text_offsets_when_a_token_s_text_comes_in_a_later_chunk_than_the_token()
    {
        await using var playground = await fixture.OpenAsync();
        // Text held back for a possible stop string comes later than its token; a canned stream makes that happen.
        await playground.Page.RouteAsync("**/v1/chat/completions", route => route.FulfillAsync(new()
        {
            ContentType = "text/event-stream",
            Body = $$$"""
                data: {"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}

                data: {"choices":[{"index":0,"delta":{"content":"Hello"},"linear_alignment":{"tokens":[{{{Token(10, "Hello", 0, 10)}}},{{{Token(11, " wor", 5, 20)}}}]},"finish_reason":null}]}

                data: {"choices":[{"index":0,"delta":{"content":" world"},"linear_alignment":{"tokens":[{{{Token(12, "ld", 9, 12)}}}]},"finish_reason":null}]}

                data: {"choices":[{"index":0,"delta":{"content":"!"},"linear_alignment":{"tokens":[{{{Token(13, "!", 11, 30)}}}]},"finish_reason":"stop"}],"linear_alignment":{"diagnostics":[{"index":0,"steps":4,"steered_tokens":2,"mean_kl_aligned_principled":0.25,"max_kl_aligned_principled":0.5,"mean_kl_principled_base":0.5,"max_kl_principled_base":1,"mean_direction_norm":3}]}}

                data: [DONE]


                """,
        }));

        await playground.SendAsync("Hello");

        var aligned = playground.Replies(0)[0];
        await Expect(aligned.SteeredTokens).ToHaveTextAsync([" wor", "!"]);
        await Expect(aligned.Text).ToHaveTextAsync("Hello world!");
        await Expect(aligned.SteeringSummary).ToHaveTextAsync("2 of 4 tokens steered · mean KL(aligned‖W) 0.25");
    }

    /// <summary>A token of linear_alignment.tokens, steered when the principle alone would have chosen another.</summary>
    private static string Token(int id, string text, int offset, int principleChoice) =>
        JsonSerializer.Serialize(new
        {
            id,
            text,
            text_offset = offset,
            steered = id != principleChoice,
            probability = 0.5,
            principle_probability = 0.25,
            principle_choice = new { id = principleChoice, text = "other", probability = 0.75 },
        });

    /// <summary>
    /// A reply pushed far from the principle in the prompt (step 10) on the tiny model, whose steering then changes
    /// some of its tokens; returns what the server streamed for it once the replies have ended.
    /// </summary>
    private static async Task<SteeringStream> SendSteeredAsync(PlaygroundPage playground)
    {
        await playground.StepSize.FillAsync("10");
        await playground.MaxTokens.FillAsync("32");
        await playground.Seed.FillAsync("5");
        var request = await playground.SendAsync("Tell me a story.");
        await playground.WaitUntilRepliesEndAsync();
        await Expect(playground.Alert).ToBeHiddenAsync();
        return await SteeringStream.ReadAsync(request);
    }
}
