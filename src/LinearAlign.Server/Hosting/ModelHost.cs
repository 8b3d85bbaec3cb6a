using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Native;
using LinearAlign.Server.Metrics;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Options;

namespace LinearAlign.Server.Hosting;

/// <summary>
/// Brings the model up after the web server starts (so /health answers while a download or load runs):
/// resolves the file (Model:Path, else download Model:Url), loads llama.cpp and the model, starts the engine.
/// Any failure is one log line and a non-zero exit.
/// </summary>
public sealed class ModelHost(
    IOptions<ModelOptions> modelOptions,
    IOptions<EngineOptions> engineOptions,
    IOptions<AlignmentOptions> alignmentOptions,
    IOptions<ServerOptions> serverOptions,
    ModelDownloader downloader,
    MetricsCollector metrics,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ModelHost>();
    private readonly TaskCompletionSource<InferenceEngine> _engine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _shutdownGate = new();
    private Task? _engineShutdown;
    private LlamaModel? _model;

    /// <summary>The running engine, or null while the model is loading.</summary>
    public InferenceEngine? Engine => _engine.Task.IsCompletedSuccessfully ? _engine.Task.Result : null;

    /// <summary>The engine, for routes behind <see cref="ModelReadyFilter"/>, which answers for them while there is none.</summary>
    public InferenceEngine ReadyEngine => Engine ?? throw new InvalidOperationException("The model is not loaded; ModelReadyFilter guards this route.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Kestrel stops before this service and waits for running requests, so the drain must start, and keep its
        // deadline, from the stop signal itself rather than from this service's StopAsync.
        lifetime.ApplicationStopping.Register(() => ShutDownEngineAsync());
        try
        {
            var engine = await StartEngineAsync(stoppingToken);
            _engine.TrySetResult(engine);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _engine.TrySetCanceled(stoppingToken);
        }
        catch (Exception e)
        {
            // Expected failures (bad path, corrupt file, offline, bad setting) explain themselves in one line.
            if (e is ModelLoadException or ModelDownloadException or DllNotFoundException or ArgumentException or InvalidOperationException or IOException)
            {
                _logger.LogCritical("{Reason}", e.Message);
            }
            else
            {
                _logger.LogCritical(e, "The model could not be brought up: {Reason}", e.Message);
            }
            _engine.TrySetException(e);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await ShutDownEngineAsync();
        _model?.Dispose();
    }

    /// <summary>
    /// Graceful shutdown, once however often asked: new requests are refused at once, running and queued ones may
    /// finish within Server:ShutdownTimeout, and whatever is left then is cancelled (its streams end with an error
    /// event) as the engine is released.
    /// </summary>
    private Task ShutDownEngineAsync()
    {
        lock (_shutdownGate)
        {
            return _engineShutdown ??= DrainThenReleaseAsync();
        }
    }

    private async Task DrainThenReleaseAsync()
    {
        if (Engine is not { } engine)
        {
            return;
        }
        var timeout = serverOptions.Value.ShutdownTimeout;
        try
        {
            await engine.DrainAsync(CancellationToken.None).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Server:ShutdownTimeout ({Timeout}) passed; cancelling {Requests} unfinished requests.", timeout, engine.OutstandingRequests);
        }
        await engine.DisposeAsync();
    }

    private async Task<InferenceEngine> StartEngineAsync(CancellationToken cancellationToken)
    {
        var options = modelOptions.Value;
        var path = await ResolveModelPathAsync(options, cancellationToken);

        var nativeDirectory = string.IsNullOrWhiteSpace(options.NativeLibraryPath)
            ? LlamaRuntime.DefaultLibraryDirectory
            : options.NativeLibraryPath;
        LlamaRuntime.Initialize(nativeDirectory, loggerFactory.CreateLogger("LinearAlign.Native.llama.cpp"));
        _logger.LogInformation("llama.cpp v0.5.0 from {Directory}: {SystemInfo}", nativeDirectory, LlamaRuntime.SystemInfo().Trim());
        foreach (var device in LlamaRuntime.Devices())
        {
            _logger.LogInformation(
                "Backend device {Name} ({Type}): {Description}, {FreeMiB:N0} MiB free of {TotalMiB:N0} MiB",
                device.Name, device.Type, device.Description, device.FreeBytes >> 20, device.TotalBytes >> 20);
        }

        _logger.LogInformation("Loading model {Path}", path);
        _model = await Task.Run(() => LlamaModel.Load(path, options, loggerFactory.CreateLogger<LlamaModel>()), cancellationToken);
        var placement = _model.Placement;
        if (placement.OnGpu)
        {
            _logger.LogInformation(
                "Running on {Gpus} ({Reason}), {Layers} layers offloaded",
                string.Join(", ", placement.Gpus.Select(gpu => $"{gpu.Name} ({gpu.Description})")), placement.Reason,
                options.GpuLayers < 0 ? "all" : options.GpuLayers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            _logger.LogInformation("Running on the CPU ({Reason})", placement.Reason);
        }
        var info = _model.Info;
        _logger.LogInformation(
            "Loaded {Alias}: {Architecture}, {Description}, {Parameters:N0} parameters, {SizeMiB:N0} MiB, trained context {TrainContext}, vocabulary {Vocab}",
            info.Alias, info.Architecture, info.Description, info.ParameterCount, info.SizeBytes >> 20, info.TrainingContextLength, info.VocabularySize);

        var engine = await InferenceEngine.StartAsync(_model, options, engineOptions.Value, alignmentOptions.Value, loggerFactory.CreateLogger<InferenceEngine>());
        metrics.Listen(engine.Metrics.Meter);
        _logger.LogInformation(
            "Engine ready: context {Context} cells (unified KV), batch {Batch}, {Sequences} sequences, {Threads} threads, chat template: {Template}",
            options.ContextSize, options.BatchSize, engineOptions.Value.MaxSequences, options.EffectiveThreads, engine.Prompts.TemplateDescription);
        return engine;
    }

    private async Task<string> ResolveModelPathAsync(ModelOptions options, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Path))
        {
            return options.Path;
        }
        return await downloader.DownloadAsync(new Uri(options.Url!), options.CacheDirectory, options.Sha256, cancellationToken);
    }
}
