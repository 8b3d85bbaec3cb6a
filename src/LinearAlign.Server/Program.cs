using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Server.Endpoints;
using LinearAlign.Server.Hosting;
using Microsoft.Extensions.Options;

// The root appsettings.json is copied beside the binaries; reading it from there makes `dotnet run --project` and a published app behave alike.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<EngineOptions>().BindConfiguration(EngineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<AlignmentOptions>().BindConfiguration(AlignmentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddHttpClient<ModelDownloader>(client => client.Timeout = Timeout.InfiniteTimeSpan);
builder.Services.AddSingleton<ModelHost>();
builder.Services.AddHostedService(services => services.GetRequiredService<ModelHost>());

var app = builder.Build();
app.MapHealthEndpoints();
var v1 = app.MapGroup("/v1");
v1.MapCompletionEndpoints();
v1.MapModelEndpoints();

try
{
    // Validated here rather than inside the host's start so that a bad setting is one log line, not a stack trace.
    _ = app.Services.GetRequiredService<IOptions<ModelOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<EngineOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<AlignmentOptions>>().Value;
    await app.RunAsync();
}
catch (OptionsValidationException e)
{
    foreach (var failure in e.Failures)
    {
        app.Logger.LogCritical("Invalid configuration: {Failure}", failure);
    }
    // Disposing flushes the console logger, whose queue would otherwise die with the process.
    await app.DisposeAsync();
    return 2;
}
return Environment.ExitCode;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
