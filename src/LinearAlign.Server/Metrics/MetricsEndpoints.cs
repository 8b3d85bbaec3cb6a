using LinearAlign.Server.Hosting;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Options;

namespace LinearAlign.Server.Metrics;

/// <summary>GET /metrics for Prometheus; behind the API key only when Server:MetricsRequireApiKey says so.</summary>
public static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        var endpoint = app.MapGet("/metrics", (MetricsCollector collector) =>
            {
                var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                collector.WriteTo(text);
                return TypedResults.Text(text.ToString(), PrometheusText.ContentType);
            })
            .WithName("Metrics")
            .WithSummary("Prometheus metrics (text exposition format 0.0.4)");
        if (app.ServiceProvider.GetRequiredService<IOptions<ServerOptions>>().Value.MetricsRequireApiKey)
        {
            endpoint.AddEndpointFilter<ApiKeyFilter>();
        }
        return app;
    }
}
