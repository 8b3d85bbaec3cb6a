using System.Text.Json;
using LinearAlign.Forge.Models;
using LinearAlign.TestFixtures;
using Microsoft.Playwright;

namespace LinearAlign.Server.Tests.Playground;

/// <summary>
/// The server as a process, serving the playground, and one headless Chromium for all tests of a class. The model is
/// the tiny generated one, forged not to end its replies on its own, so that every reply runs to max tokens (or until
/// Stop) whatever the seed; or the GGUF file named by <see cref="ModelVariable"/>, to see the page on another model.
/// </summary>
public class PlaygroundFixture : IAsyncLifetime
{
    public const string ModelVariable = "LINEARALIGN_PLAYGROUND_MODEL";

    /// <summary>A comparison decodes on four sequences; this leaves each room for the long generation a test stops.</summary>
    public const int ContextSize = 16384;

    private IPlaywright? _playwright;

    public ServerProcess Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    protected virtual IEnumerable<string> ServerSettings => [];

    /// <summary>The GGUF file the server serves.</summary>
    protected virtual string Model => Environment.GetEnvironmentVariable(ModelVariable) is { Length: > 0 } named
        ? named
        : TinyModels.For(new ForgeSpec(LlamaShape.Tiny, Name: "playground", EndsTurns: false));

    public async Task InitializeAsync()
    {
        var chromium = Chromium.Find();
        // The server process computes on the same cores, so it counts as this test process's model run.
        NativeTestLock.Enter();
        Server = await ServerProcess.StartAsync([$"--Model:Path={Model}", $"--Model:ContextSize={ContextSize}", .. ServerSettings]);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
    }

    /// <summary>The playground in a fresh browser context (its own session storage) at the given viewport width.</summary>
    public async Task<PlaygroundPage> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        var playground = new PlaygroundPage(page);
        await page.GotoAsync("/");
        return playground;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>The playground on a server that wants an API key.</summary>
public sealed class KeyedPlaygroundFixture : PlaygroundFixture
{
    public const string ApiKey = "sk-playground-test";

    protected override IEnumerable<string> ServerSettings => [$"--Server:ApiKeys:0={ApiKey}"];
}

/// <summary>
/// The playground on the tiny model declaring the principles it was trained on (whatever <see cref="ModelVariable"/>
/// names: the tests need these).
/// </summary>
public sealed class PrincipledPlaygroundFixture : PlaygroundFixture
{
    public static readonly (string Name, string Principle)[] Principles =
        [("pirate", "Talk like a pirate."), ("polite", "Be very polite."), ("chef", "Answer like a chef.")];

    protected override string Model => TinyModels.For(new ForgeSpec(
        LlamaShape.Tiny,
        Name: "playground-principled",
        EndsTurns: false,
        Principles: JsonSerializer.Serialize(Principles.Select(p => new { name = p.Name, principle = p.Principle }))));
}

/// <summary>The browser the tests drive: Chromium from the system's package, as Playwright's own downloads are not available.</summary>
internal static class Chromium
{
    public static string Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "chromium"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "The playground tests drive Chromium, and 'chromium' is not on PATH (Debian puts it at /usr/bin/chromium): "
            + "install it with 'apt-get install --no-install-recommends chromium' (.ci/run does).");
}
