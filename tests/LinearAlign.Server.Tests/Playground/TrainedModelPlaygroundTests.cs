using System.Text.RegularExpressions;
using LinearAlign.Forge;
using static Microsoft.Playwright.Assertions;
using Xunit.Abstractions;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>The playground on the committed trained model (tests/fixtures/styles), where a principle visibly changes a reply.</summary>
public sealed class TrainedModelPlaygroundTests(TrainedPlaygroundFixture fixture, ITestOutputHelper output) : IClassFixture<TrainedPlaygroundFixture>
{
    /// <summary>The README's screenshot: <c>cp artifacts/playground-trained.png docs/playground.png</c>.</summary>
    private static readonly string Screenshot = Path.Combine(Checkout.Root, "artifacts", "playground-trained.png");

    private static readonly Regex PoliteMarker = new(@"\b(sir|madam|kindly|respectfully)\b", RegexOptions.IgnoreCase);

    [Fact]
    public async Task Steering_toward_the_model_s_polite_principle_makes_the_aligned_reply_polite_and_leaves_the_base_reply_plain()
    {
        await using var playground = await fixture.OpenAsync();
        await playground.Examples.GetByText("polite", new() { Exact = true }).ClickAsync();
        await playground.Seed.FillAsync("3");

        await playground.SendAsync("Tell me about trains.");
        await playground.WaitUntilRepliesEndAsync();
        await playground.SaveScreenshotAsync(Screenshot);
        output.WriteLine($"Screenshot: {Screenshot}");

        var replies = playground.Replies(0);
        await Expect(replies[0].Text).ToHaveTextAsync(PoliteMarker);
        await Expect(replies[2].Text).Not.ToHaveTextAsync(PoliteMarker);
        await Expect(replies[2].Finish).ToHaveTextAsync("stop");
    }
}

/// <summary>The server on the trained model, whose replies end by themselves.</summary>
public sealed class TrainedPlaygroundFixture : PlaygroundFixture
{
    protected override string Model => Path.Combine(Checkout.Root, "tests", "fixtures", "styles", "styles.gguf");
}
