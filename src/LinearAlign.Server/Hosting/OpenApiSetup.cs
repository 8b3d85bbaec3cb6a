using Microsoft.OpenApi;

namespace LinearAlign.Server.Hosting;

/// <summary>The OpenAPI document at /openapi/v1.json, with Swagger UI over it at /swagger.</summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddServerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "LinearAlign Server",
                Version = "v1",
                Description = "OpenAI-compatible inference over llama.cpp. Any request may add 'principle', 'step_size' and 'alignment_mode' "
                    + "to steer decoding toward a natural-language principle (Linear Alignment, Gao et al., ICML 2024). "
                    + "With Server:ApiKeys set, API routes need 'Authorization: Bearer <key>'.",
            };
            return Task.CompletedTask;
        }));

    public static WebApplication MapServerOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "LinearAlign Server v1");
            ui.RoutePrefix = "swagger";
        });
        return app;
    }
}
