using LinearAlign.Server.Options;

namespace LinearAlign.Server.Hosting;

/// <summary>CORS for browser clients on other origins; off unless Server:CorsOrigins lists some.</summary>
public static class CorsSetup
{
    public static IServiceCollection AddServerCors(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = configuration.GetSection($"{ServerOptions.SectionName}:{nameof(ServerOptions.CorsOrigins)}").Get<string[]>() ?? [];
        if (origins.Length == 0)
        {
            return services;
        }
        return services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            if (origins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(origins);
            }
            policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("X-Request-Id", "Retry-After");
        }));
    }

    public static WebApplication UseServerCors(this WebApplication app)
    {
        if (app.Services.GetService<Microsoft.AspNetCore.Cors.Infrastructure.ICorsService>() is not null)
        {
            app.UseCors();
        }
        return app;
    }
}
