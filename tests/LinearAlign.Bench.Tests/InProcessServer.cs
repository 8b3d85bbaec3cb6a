using LinearAlign.TestFixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LinearAlign.Bench.Tests;

/// <summary>The real server in-process on a model, configured as a user would with settings; one thread, as tests share the cores.</summary>
public sealed class InProcessServer(string modelPath, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>A client once the model is loaded; takes the machine-wide native test lock first.</summary>
    public async Task<HttpClient> StartAsync()
    {
        NativeTestLock.Enter();
        var http = CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(await http.GetAsync("/health/ready", timeout.Token)).IsSuccessStatusCode)
        {
            await Task.Delay(50, timeout.Token);
        }
        return http;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Model:Path", modelPath);
        builder.UseSetting("Model:Threads", "1");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }
}
