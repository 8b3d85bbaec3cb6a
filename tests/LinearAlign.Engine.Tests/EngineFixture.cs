using LinearAlign.Engine.Model;
using LinearAlign.Engine.Options;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Native;
using LinearAlign.TestFixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Engine.Tests;

/// <summary>
/// One tiny generated model for the whole test run, and engines over it: the default one (prefix sharing on) and
/// one that prefills W and U in full. One thread each: tests never oversubscribe the cores.
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    public const int ContextSize = 4096;

    public static readonly ModelOptions ModelOptions = new()
    {
        Path = TinyModels.Default,
        ContextSize = ContextSize,
        BatchSize = 256,
        Threads = 1,
    };

    public LlamaModel Model { get; private set; } = null!;

    public InferenceEngine Engine { get; private set; } = null!;

    public InferenceEngine EngineWithoutPrefixSharing { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        NativeTestLock.Enter();
        LlamaRuntime.Initialize(LlamaRuntime.DefaultLibraryDirectory, NullLogger.Instance);
        Model = LlamaModel.Load(ModelOptions.Path!, ModelOptions);
        Engine = await StartEngineAsync(new EngineOptions { MaxSequences = 16 });
        EngineWithoutPrefixSharing = await StartEngineAsync(new EngineOptions { MaxSequences = 4, ShareAlignedPrefix = false });
    }

    public Task<InferenceEngine> StartEngineAsync(EngineOptions options, ModelOptions? modelOptions = null) =>
        InferenceEngine.StartAsync(Model, modelOptions ?? ModelOptions, options, new AlignmentOptions(), NullLogger.Instance);

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        await EngineWithoutPrefixSharing.DisposeAsync();
        Model.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "engine";
}
