using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Server.Endpoints;
using LinearAlign.Server.Hosting;
using LinearAlign.Server.Metrics;
using LinearAlign.Server.Options;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

// The root appsettings.json is copied beside the binaries; reading it from there makes `dotnet run --project` and a published app behave alike.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddServerEnvironmentVariables();
builder.UseServerSerilog();

builder.Services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<EngineOptions>().BindConfiguration(EngineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<AlignmentOptions>().BindConfiguration(AlignmentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
// Server:MaxRequestBytes is enforced once, where bodies are read (ServerJson), which sees every body, chunked or not;
// Kestrel's own 30 MB default would otherwise cap the setting.
builder.Services.AddOptions<KestrelServerOptions>().Configure(kestrel => kestrel.Limits.MaxRequestBodySize = null);
// The host waits for hosted services past the drain window, so the engine can finish cancelling what is left.
builder.Services.AddOptions<HostOptions>().Configure<IOptions<ServerOptions>>((host, server) =>
    host.ShutdownTimeout = server.Value.ShutdownTimeout + TimeSpan.FromSeconds(10));

builder.Services.ConfigureHttpJsonOptions(json => ServerJson.Configure(json.SerializerOptions));
builder.Services.AddServerCors(builder.Configuration);
builder.Services.AddServerOpenApi();
builder.Services.AddHttpClient<ModelDownloader>(client => client.Timeout = Timeout.InfiniteTimeSpan);
builder.Services.AddServerMetrics();
builder.Services.AddSingleton<ModelHost>();
builder.Services.AddHostedService(services => services.GetRequiredService<ModelHost>());

WebApplication app;
try
{
    app = builder.Build();
    // Validated here rather than inside the host's start so that a bad setting is one log line, not a stack trace.
    _ = app.Services.GetRequiredService<IOptions<ModelOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<EngineOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<AlignmentOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
}
catch (Exception e) when (ConfigurationErrors.Describe(e) is { } failures)
{
    // Building may itself fail on a bad setting, so the report gets a logger of its own.
    using (var logger = SerilogLogging.CreateLogger(builder.Configuration))
    {
        foreach (var failure in failures)
        {
            logger.Fatal("Invalid configuration: {Failure}", failure);
        }
    }
    return 2;
}

// Outside the error bodies, so that the request log and the HTTP metrics see the status a client finally gets.
app.UseServerRequestLog();
app.UseServerHttpMetrics();
app.UseServerErrorBodies();
app.UseServerCors();
app.UsePlayground();
app.MapServerOpenApi();
app.MapHealthEndpoints();
app.MapMetricsEndpoint();

var api = app.MapGroup("").AddEndpointFilter<ApiKeyFilter>().AddEndpointFilter<ModelReadyFilter>();
var v1 = api.MapGroup("/v1");
v1.MapCompletionEndpoints();
v1.MapModelEndpoints();
api.MapTokenizeEndpoints();

await app.RunAsync();
return Environment.ExitCode;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
