using System.Text.Json;
using LinearAlign.Server.Endpoints;
using Microsoft.AspNetCore.Diagnostics;

namespace LinearAlign.Server.Hosting;

/// <summary>Every error the framework produces itself (unknown route, wrong method, unhandled exception) gets an OpenAI-shaped body too.</summary>
public static class ErrorBodies
{
    public static WebApplication UseServerErrorBodies(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            ExceptionHandler = http => WriteAsync(http.Response),
        });
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext.Response));
        return app;
    }

    private static Task WriteAsync(HttpResponse response)
    {
        response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(response.Body, OpenAiErrors.ForStatus(response.StatusCode), ServerJson.Options);
    }
}
