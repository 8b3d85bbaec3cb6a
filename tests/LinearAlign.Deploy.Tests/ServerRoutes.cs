using LinearAlign.Server.Endpoints;
using LinearAlign.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LinearAlign.Deploy.Tests;

/// <summary>The routes the deployments name, and what serves them: the server's own endpoints mapped onto a bare application.</summary>
internal static class ServerRoutes
{
    /// <summary>Answers while the process serves HTTP, model or not: what liveness may depend on.</summary>
    public const string Liveness = "/health";

    /// <summary>Answers 200 only once the model is loaded: what readiness, start-up and health checks wait for.</summary>
    public const string Readiness = "/health/ready";

    /// <summary>Where Prometheus scrapes the server.</summary>
    public const string Metrics = "/metrics";

    public static IReadOnlySet<string> HealthRoutes { get; } = Map(app => app.MapHealthEndpoints());

    /// <summary>The generation routes, as Program.cs maps them under /v1: what the inference gateway's endpoint picker schedules.</summary>
    public static IReadOnlySet<string> CompletionRoutes { get; } = Map(app => app.MapGroup("/v1").MapCompletionEndpoints());

    private static HashSet<string> Map(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Registered, never resolved: handlers take the host as a service, and mapping needs to know it is one.
        builder.Services.AddSingleton<ModelHost>();
        using var app = builder.Build();
        map(app);
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText!.TrimStart('/'))
            .ToHashSet();
    }
}
