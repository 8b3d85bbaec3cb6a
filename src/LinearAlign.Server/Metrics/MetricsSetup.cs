using LinearAlign.Server.Hosting;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LinearAlign.Server.Metrics;

/// <summary>
/// GET /metrics through prometheus-net: the engine's and the host's instruments (<see cref="MetricsCollector"/>),
/// HTTP requests by route template, and the process's and the .NET runtime's own metrics. Behind the API key only
/// when Server:MetricsRequireApiKey says so.
/// </summary>
public static class MetricsSetup
{
    /// <summary>
    /// A registry of the server's own rather than prometheus-net's static default, so that every server in a process
    /// (the tests run several) exports only its own series, and so that the default registry's first scrape never
    /// starts prometheus-net's Meter and EventCounter bridges.
    /// </summary>
    public static IServiceCollection AddServerMetrics(this IServiceCollection services)
    {
        services.AddSingleton(_ =>
        {
            var registry = Prometheus.Metrics.NewCustomRegistry();
            DotNetStats.Register(registry);
            return registry;
        });
        services.AddSingleton<MetricsCollector>();
        services.AddSingleton<HostMetrics>();
        return services;
    }

    /// <summary>Request counts, durations and requests in progress, labelled with the endpoint's route template rather than the raw path.</summary>
    public static WebApplication UseServerHttpMetrics(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        app.UseHttpMetrics(options => options.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(registry)));
        return app;
    }

    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        app.Services.GetRequiredService<MetricsCollector>().Listen(app.Services.GetRequiredService<HostMetrics>().Meter);
        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        var endpoint = app.MapMetrics(settings => settings.Registry = registry);
        if (app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.MetricsRequireApiKey)
        {
            endpoint.AddEndpointFilter<IEndpointConventionBuilder, ApiKeyFilter>();
        }
        return app;
    }
}
