using LinearAlign.TestFixtures;
using LinearAlign.TestFixtures.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LinearAlign.Server.Tests;

/// <summary>The real server in-process over the shared tiny generated model, ready before the first test.</summary>
public sealed class ServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const int ContextSize = 2048;

    public HttpClient Client { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Model:Path", TinyModels.Default);
        builder.UseSetting("Model:Threads", "1");
        builder.UseSetting("Model:ContextSize", ContextSize.ToString());
        builder.UseSetting("Model:BatchSize", "256");
        builder.UseSetting("Engine:MaxSequences", "8");
    }

    public async Task InitializeAsync()
    {
        NativeTestLock.Enter();
        Client = CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await Client.GetAsync("/health/ready", timeout.Token)).IsSuccessStatusCode)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
