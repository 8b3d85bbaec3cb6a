using Microsoft.AspNetCore.Http.HttpResults;
using LinearAlign.Server.Hosting;

namespace LinearAlign.Server.Endpoints;

/// <summary>/health answers as long as the process serves HTTP; /health/ready only once the model is loaded.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new HealthStatus("ok")));
        app.MapGet("/health/ready", Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>> (ModelHost host) =>
            host.Engine is null
                ? TypedResults.Json(new HealthStatus("loading"), statusCode: StatusCodes.Status503ServiceUnavailable)
                : TypedResults.Ok(new HealthStatus("ready")));
        return app;
    }

    public sealed record HealthStatus(string Status);
}
