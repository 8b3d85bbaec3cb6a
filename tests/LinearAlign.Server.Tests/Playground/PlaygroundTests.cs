using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LinearAlign.Forge;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using Xunit.Abstractions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>The web playground at "/", driven in Chromium against the server process, as a user would use it.</summary>
public sealed class PlaygroundTests(PlaygroundFixture fixture, ITestOutputHelper output) : IClassFixture<PlaygroundFixture>
{
    private static readonly string Screenshot = Path.Combine(Checkout.Root, "artifacts", "playground-e2e.png");

    [Fact]
    public async Task The_page_is_served_at_the_root_under_a_content_security_policy_that_allows_only_its_own_origin()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };

        using var response = await http.GetAsync("/");

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("default-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task The_page_loads_and_shows_the_served_model_from_v1_models()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var model = (await http.GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data")[0];

        await using var playground = await fixture.OpenAsync();

        await Expect(playground.ModelId).ToHaveTextAsync(model.GetProperty("id").GetString()!);
        var context = model.GetProperty("meta").GetProperty("context_length").GetInt32();
        await Expect(playground.ModelContext).ToHaveTextAsync(string.Create(CultureInfo.InvariantCulture, $"{context:N0} tokens"));
        Assert.Empty(playground.ScriptErrors);
    }

    [Fact]
    public async Task Sending_a_principle_and_a_message_streams_three_replies_with_their_token_counts()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.Principle.FillAsync("The user is an expert software engineer; be concise and technical.");
        await playground.MaxTokens.FillAsync("24");
        await playground.Seed.FillAsync("7");

        var request = await playground.SendAsync("How should I store my passwords?");
        await playground.WaitUntilRepliesEndAsync();
        await SaveScreenshotAsync(playground);

        var body = request.PostDataJSON()!.Value;
        Assert.True(body.GetProperty("alignment_compare").GetBoolean());
        Assert.Equal("The user is an expert software engineer; be concise and technical.", body.GetProperty("principle").GetString());
        Assert.Equal(2, body.GetProperty("step_size").GetDouble());
        Assert.Equal(0.7, body.GetProperty("temperature").GetDouble());
        Assert.Equal(24, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(7, body.GetProperty("seed").GetInt64());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        var replies = playground.Replies(0);
        Assert.Equal(
            ["Linear alignment (step 2)", "Principle in prompt only", "Base model (no principle)"],
            await Task.WhenAll(replies.Select(reply => reply.Heading.InnerTextAsync())));
        foreach (var reply in replies)
        {
            await Expect(reply.Text).ToHaveTextAsync(new Regex(@"\S"));
            // Exact, from the usage chunk: no "≈" left.
            await Expect(reply.Tokens).ToHaveTextAsync(new Regex(@"^[1-9][0-9]*$"));
            await Expect(reply.Finish).ToHaveTextAsync(new Regex("^(stop|length)$"));
        }
        await Expect(playground.Status).ToContainTextAsync("Done in");
    }

    [Fact]
    public async Task Ctrl_Enter_in_the_message_box_sends()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");
        await playground.UserMessage.FillAsync("Hello");

        var request = await playground.Page.RunAndWaitForRequestAsync(() => playground.UserMessage.PressAsync("Control+Enter"), "**/v1/chat/completions");
        await playground.WaitUntilRepliesEndAsync();

        Assert.Equal("Hello", request.PostDataJSON()!.Value.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString());
        await Expect(playground.Turns).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Stop_ends_a_long_generation_keeps_the_partial_replies_and_the_server_frees_the_sequences()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("2000");
        await playground.SendAsync("Tell me a long story.");
        var replies = playground.Replies(0);
        await Expect(replies[0].Tokens).ToHaveTextAsync(new Regex("^≈ [1-9][0-9]+$"));
        await Expect(playground.Send).ToBeDisabledAsync();

        await playground.Stop.ClickAsync();

        await playground.WaitUntilRepliesEndAsync();
        await Expect(playground.Stop).ToBeDisabledAsync();
        foreach (var reply in replies)
        {
            await Expect(reply.Finish).ToHaveTextAsync("stopped");
        }
        await Expect(replies[0].Text).Not.ToBeEmptyAsync();
        await Expect(playground.Status).ToContainTextAsync("Stopped after");
        await WaitForGaugeAsync("linearalign_requests_running", 0);
        await WaitForGaugeAsync("linearalign_sequences_in_use", 0);
    }

    [Fact]
    public async Task An_api_error_shows_its_parameter_and_message_in_the_alert_and_leaves_the_message_to_edit()
    {
        await using var playground = await fixture.OpenAsync();
        // Every word is at least one token, so the prompt alone outgrows the context.
        var tooLong = string.Join(' ', Enumerable.Repeat("hello", PlaygroundFixture.ContextSize));

        await playground.SendAsync(tooLong);

        await Expect(playground.Alert).ToHaveTextAsync(new Regex(
            $"^messages: The prompt with the principle, plus the prompt without it, needs [0-9]+ tokens of the {PlaygroundFixture.ContextSize}-token context"));
        await Expect(playground.Turns).ToHaveCountAsync(0);
        await Expect(playground.UserMessage).ToHaveValueAsync(tooLong);
        await Expect(playground.Send).ToBeEnabledAsync();
    }

    [Fact]
    public async Task An_error_event_in_the_middle_of_the_stream_keeps_the_partial_replies_and_shows_the_error()
    {
        await using var playground = await fixture.OpenAsync();
        // The server fails mid-stream only when something breaks inside it; a canned stream stands in for that.
        await playground.Page.RouteAsync("**/v1/chat/completions", route => route.FulfillAsync(new()
        {
            ContentType = "text/event-stream",
            Body = """
                data: {"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}

                data: {"choices":[{"index":0,"delta":{"content":"Partial"},"finish_reason":null}]}

                data: {"error":{"message":"The engine failed while decoding.","type":"server_error","param":null,"code":null}}

                data: [DONE]


                """,
        }));

        await playground.SendAsync("Hello");

        await Expect(playground.Alert).ToHaveTextAsync("The engine failed while decoding.");
        var replies = playground.Replies(0);
        await Expect(replies[0].Text).ToHaveTextAsync("Partial");
        await Expect(replies[0].Finish).ToHaveTextAsync("error");
        await Expect(playground.Send).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_network_failure_is_shown_in_the_alert_and_leaves_the_message_to_send_again()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.Page.RouteAsync("**/v1/chat/completions", route => route.AbortAsync("connectionrefused"));

        await playground.SendAsync("Hello");

        await Expect(playground.Alert).ToHaveTextAsync(new Regex("^Could not reach the server"));
        await Expect(playground.Turns).ToHaveCountAsync(0);
        await Expect(playground.UserMessage).ToHaveValueAsync("Hello");
    }

    [Fact]
    public async Task The_next_turn_continues_with_the_reply_chosen_from_the_last_one()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("8");
        await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();
        var first = playground.Replies(0);
        await Expect(first[0].ContinueWithThis).ToBeCheckedAsync();

        await first[2].ContinueWithThis.CheckAsync();
        var chosen = await first[2].Text.TextContentAsync();
        var request = await playground.SendAsync("And then?");
        await playground.WaitUntilRepliesEndAsync();

        Assert.Equal(
            [("system", "You are a helpful assistant."), ("user", "Hello"), ("assistant", chosen), ("user", "And then?")],
            request.PostDataJSON()!.Value.GetProperty("messages").EnumerateArray()
                .Select(message => (message.GetProperty("role").GetString(), message.GetProperty("content").GetString())));
        await Expect(playground.Turns).ToHaveCountAsync(2);
        // The first turn's choice is history now.
        await Expect(first[0].ContinueWithThis).ToBeDisabledAsync();
    }

    [Fact]
    public async Task New_chat_clears_the_transcript_and_the_next_request_starts_over()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.MaxTokens.FillAsync("4");
        await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();

        await playground.NewChat.ClickAsync();
        var request = await playground.SendAsync("Hello again");
        await playground.WaitUntilRepliesEndAsync();

        Assert.Equal(2, request.PostDataJSON()!.Value.GetProperty("messages").GetArrayLength());
        await Expect(playground.Turns).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task The_three_replies_sit_side_by_side_at_1280_px_and_stack_without_sideways_scrolling_at_390_px()
    {
        await using var playground = await fixture.OpenAsync(width: 1280);
        await playground.MaxTokens.FillAsync("8");
        await playground.SendAsync("Hello");
        await playground.WaitUntilRepliesEndAsync();
        var replies = playground.Replies(0);

        var wide = await BoxesAsync(replies);
        await playground.Page.SetViewportSizeAsync(390, 844);
        var narrow = await BoxesAsync(replies);
        var scrollWidth = await playground.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");

        for (var i = 1; i < 3; i++)
        {
            Assert.Equal(wide[0].Y, wide[i].Y, 1.0);
            Assert.True(wide[i - 1].X + wide[i - 1].Width <= wide[i].X, $"At 1280 px column {i} overlaps the one before it.");
            Assert.True(narrow[i - 1].Y + narrow[i - 1].Height <= narrow[i].Y, $"At 390 px column {i} is not below the one before it.");
        }
        Assert.All(narrow, box => Assert.InRange(box.X + box.Width, box.Width, 390));
        Assert.True(scrollWidth <= 390, $"At 390 px the page is {scrollWidth} px wide and scrolls sideways.");
    }

    [Fact]
    public async Task The_event_stream_parser_joins_events_split_across_reads_and_splits_several_in_one_read()
    {
        await using var playground = await fixture.OpenAsync();

        var events = await playground.Page.EvaluateAsync<string[]>("""
            async () => {
              const { createEventStreamParser } = await import("/playground.js");
              const events = [];
              const parser = createEventStreamParser((data) => events.push(data));
              for (const read of ['data: {"a"', ':1}\r', '\n\r\n: comment\n\ndata: one\n\ndata: two\ndata: lines\r\rdata:', ' [DONE]\n', '\n']) {
                parser.push(read);
              }
              return events;
            }
            """);

        Assert.Equal(["{\"a\":1}", "one", "two\nlines", "[DONE]"], events);
    }

    /// <summary>
    /// The whole page, taken before a test's checks so that it shows what went wrong when one fails. A full-page capture
    /// would leave the sticky composer where the viewport ended; a viewport as tall as the page shows it where it belongs.
    /// </summary>
    private async Task SaveScreenshotAsync(PlaygroundPage playground)
    {
        await playground.SaveScreenshotAsync(Screenshot);
        output.WriteLine($"Screenshot: {Screenshot}");
    }

    private static async Task<LocatorBoundingBoxResult[]> BoxesAsync(IEnumerable<PlaygroundPage.Reply> replies) =>
        await Task.WhenAll(replies.Select(async reply => await reply.Region.BoundingBoxAsync() ?? throw new InvalidOperationException("A reply column is not visible.")));

    private async Task WaitForGaugeAsync(string name, double expected)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        double? value = null;
        while (!timeout.IsCancellationRequested)
        {
            value = (await http.GetStringAsync("/metrics")).Split('\n')
                .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal))
                .Select(line => (double?)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
                .SingleOrDefault();
            if (value == expected)
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"{name} stayed at {value?.ToString(CultureInfo.InvariantCulture) ?? "(absent)"} instead of {expected}.");
    }
}
