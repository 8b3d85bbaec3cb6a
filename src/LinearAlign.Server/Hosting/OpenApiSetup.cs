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

public static class OpenApiEndpointExtensions
{
    /// <summary>
    /// Documents a JSON request body without .Accepts(), whose content-type check would refuse bodies sent without
    /// "Content-Type: application/json" (curl -d); the handler reads and validates the body itself.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });

    /// <summary>Documents the streamed form of a 200 response (stream: true) beside its JSON form.</summary>
    public static RouteHandlerBuilder WithEventStream<TChunk>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(TChunk), null, cancellationToken);
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
            {
                content["text/event-stream"] = new OpenApiMediaType { Schema = schema };
            }
        });
}
