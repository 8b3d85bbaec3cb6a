using LinearAlign.TestFixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Server.Tests;

/// <summary>The real server in-process over the shared tiny generated model, ready before the first test.</summary>
public class ServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const int ContextSize = 2048;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Everything the server logged, for tests of what it logs.</summary>
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Model:Path", TinyModels.Default);
        builder.UseSetting("Model:Alias", "tiny");
        builder.UseSetting("Model:Threads", "1");
        builder.UseSetting("Model:ContextSize", ContextSize.ToString());
        builder.UseSetting("Model:BatchSize", "256");
        builder.UseSetting("Engine:MaxSequences", "8");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        Configure(builder);
    }

    /// <summary>Settings of a variant, applied over the defaults.</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
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

/// <summary>
/// A server locked down the way an operator would: API keys, a small body limit, CORS for one origin, and room for
/// one aligned request plus one queued request, so that a third is refused.
/// </summary>
public sealed class RestrictedServerFixture : ServerFixture
{
    public const string ApiKey = "sk-test-key-1";
    public const string OtherApiKey = "sk-test-key-2";
    public const int MaxRequestBytes = 4096;
    public const string AllowedOrigin = "https://app.example.com";

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Server:ApiKeys:0", ApiKey);
        builder.UseSetting("Server:ApiKeys:1", OtherApiKey);
        builder.UseSetting("Server:MetricsRequireApiKey", "true");
        builder.UseSetting("Server:MaxRequestBytes", MaxRequestBytes.ToString());
        builder.UseSetting("Server:CorsOrigins:0", AllowedOrigin);
        builder.UseSetting("Engine:MaxSequences", "2");
        builder.UseSetting("Engine:QueueCapacity", "1");
    }

    public HttpClient AuthorizedClient(string key = ApiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

[CollectionDefinition(Name)]
public sealed class RestrictedServerCollection : ICollectionFixture<RestrictedServerFixture>
{
    public const string Name = "restricted server";
}
