namespace LinearAlign.Server.Hosting;

/// <summary>
/// The web playground: static files from wwwroot, with "/" serving index.html. They need no API key (the page asks
/// for one when the API does) and are only served where no endpoint matched, so they never shadow an API route.
/// </summary>
public static class Playground
{
    /// <summary>
    /// The page loads nothing from elsewhere and runs no inline script, so the policy can be this strict; if a response
    /// ever reflected request text into a page, nothing injected would run.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

    public static WebApplication UsePlayground(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // The page and its script change together with the server; a stale cached script would talk to a newer API.
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}
