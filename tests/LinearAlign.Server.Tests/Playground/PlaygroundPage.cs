using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>The playground's controls as a user finds them: by label and role.</summary>
public sealed class PlaygroundPage : IAsyncDisposable
{
    /// <summary>Generous for a model on one thread of a busy machine; the tiny model answers in well under a second.</summary>
    public static readonly LocatorAssertionsToBeEnabledOptions UntilRepliesEnd = new() { Timeout = 60_000 };

    private readonly List<string> _scriptErrors = [];

    public PlaygroundPage(IPage page)
    {
        Page = page;
        page.PageError += (_, error) => Record(error);
        // Refused API requests log "Failed to load resource"; the page reports those itself. Anything else, such as
        // a Content-Security-Policy violation, is a fault of the page.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                Record(message.Text);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Uncaught exceptions and console errors so far.</summary>
    public IReadOnlyList<string> ScriptErrors
    {
        get
        {
            lock (_scriptErrors)
            {
                return [.. _scriptErrors];
            }
        }
    }

    public ILocator ModelId => Page.Locator("#model-id");

    public ILocator ModelContext => Page.Locator("#model-context");

    public ILocator ApiKey => Page.GetByLabel("API key");

    public ILocator UseKey => Page.GetByRole(AriaRole.Button, new() { Name = "Use key" });

    public ILocator SystemMessage => Page.GetByLabel("System message");

    public ILocator Principle => Page.GetByLabel("Principle", new() { Exact = true });

    /// <summary>The first principle's step, the only one until a principle is added.</summary>
    public ILocator StepSize => Page.GetByRole(AriaRole.Slider, new() { Name = "Step size", Exact = true });

    public ILocator AddPrinciple => Page.GetByRole(AriaRole.Button, new() { Name = "Add principle" });

    /// <summary>Every principle's text box, the first included.</summary>
    public ILocator PrincipleBoxes => Page.Locator("#principle-list textarea");

    /// <summary>The example principles' buttons.</summary>
    public ILocator Examples => Page.GetByRole(AriaRole.Group, new() { Name = "Examples" }).GetByRole(AriaRole.Button);

    public ILocator Temperature => Page.GetByLabel("Temperature");

    public ILocator MaxTokens => Page.GetByLabel("Max tokens");

    public ILocator Seed => Page.GetByLabel("Seed");

    /// <summary>The disclosure of the Advanced section, collapsed when the page opens.</summary>
    public ILocator Advanced => Page.GetByText("Advanced", new() { Exact = true });

    public ILocator JsonSchema => Page.GetByLabel("JSON schema");

    public ILocator ExampleSchema => Page.GetByRole(AriaRole.Button, new() { Name = "Example schema" });

    /// <summary>The inline error under the JSON schema field.</summary>
    public ILocator JsonSchemaError => Page.Locator("#json-schema-error");

    public ILocator UserMessage => Page.GetByLabel("Your message");

    public ILocator Send => Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true });

    public ILocator Stop => Page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true });

    public ILocator NewChat => Page.GetByRole(AriaRole.Button, new() { Name = "New chat" });

    public ILocator Alert => Page.GetByRole(AriaRole.Alert);

    public ILocator Status => Page.GetByRole(AriaRole.Status);

    public ILocator Turns => Page.Locator("#transcript > li");

    /// <summary>The three replies of a turn, in column order: linear alignment, principle in prompt only, base model.</summary>
    public IReadOnlyList<Reply> Replies(int turn) =>
        [.. Enumerable.Range(0, 3).Select(column => new Reply(Turns.Nth(turn).GetByRole(AriaRole.Region).Nth(column)))];

    /// <summary>An added principle by its position, from 2.</summary>
    public ILocator PrincipleNumber(int number) => Page.GetByLabel($"Principle {number}", new() { Exact = true });

    /// <summary>An added principle's step by the principle's position, from 2.</summary>
    public ILocator StepSizeFor(int number) => Page.GetByRole(AriaRole.Slider, new() { Name = $"Step size for principle {number}", Exact = true });

    public ILocator RemovePrinciple(int number) => Page.GetByRole(AriaRole.Button, new() { Name = $"Remove principle {number}", Exact = true });

    /// <summary>What a steered token shows on hover and focus.</summary>
    public ILocator TokenTip => Page.Locator("#token-tip");

    /// <summary>Types the message, sends it with the Send button and returns the chat request the page made.</summary>
    public async Task<IRequest> SendAsync(string message)
    {
        await UserMessage.FillAsync(message);
        return await Page.RunAndWaitForRequestAsync(() => Send.ClickAsync(), "**/v1/chat/completions");
    }

    /// <summary>Waits until the running request has ended and Send is enabled again.</summary>
    public Task WaitUntilRepliesEndAsync() => Expect(Send).ToBeEnabledAsync(UntilRepliesEnd);

    /// <summary>The whole page, at its full height, so that the sticky composer sits where it belongs.</summary>
    public async Task SaveScreenshotAsync(string path)
    {
        var height = await Page.EvaluateAsync<int>("document.documentElement.scrollHeight");
        await Page.SetViewportSizeAsync(Page.ViewportSize!.Width, height);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new() { Path = path });
    }

    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();

    private void Record(string error)
    {
        lock (_scriptErrors)
        {
            _scriptErrors.Add(error);
        }
    }

    /// <summary>One column of a turn.</summary>
    public sealed record Reply(ILocator Region)
    {
        public ILocator Heading => Region.GetByRole(AriaRole.Heading);

        public ILocator Text => Region.Locator(".reply-text");

        /// <summary>The highlighted tokens: those that steering changed (the linear alignment column only).</summary>
        public ILocator SteeredTokens => Text.Locator("mark.steered");

        /// <summary>Steered tokens of the total and the mean divergence, under the linear alignment reply.</summary>
        public ILocator SteeringSummary => Region.Locator(".alignment-summary");

        public ILocator Tokens => Region.Locator(".tokens");

        public ILocator Finish => Region.Locator(".finish");

        public ILocator ContinueWithThis => Region.GetByLabel("Continue with this reply");
    }
}
