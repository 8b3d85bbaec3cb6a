using LinearAlign.Engine.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinearAlign.Engine.Tests.Model;

/// <summary>The download path end to end: a generated model served over HTTP arrives intact and llama.cpp loads it.</summary>
[Collection(EngineCollection.Name)]
public sealed class DownloadedModelTests(ModelDownloaderTests.PayloadServer server) : IClassFixture<ModelDownloaderTests.PayloadServer>, IDisposable
{
    private readonly string _cacheDirectory = Directory.CreateTempSubdirectory("linearalign-download-").FullName;

    [Fact]
    public async Task A_model_downloaded_from_a_url_loads_with_the_served_shape()
    {
        var route = server.AddRoute("tiny-download.gguf");
        using var http = new HttpClient();

        var path = await new ModelDownloader(http, NullLogger<ModelDownloader>.Instance)
            .DownloadAsync(route.Url, _cacheDirectory, server.PayloadSha256, CancellationToken.None);
        using var model = LlamaModel.Load(path, EngineFixture.ModelOptions);

        Assert.Equal(ModelDownloaderTests.PayloadServer.Model.Shape.VocabSize, model.VocabularySize);
        Assert.Equal("llama", model.Info.Architecture);
    }

    public void Dispose() => Directory.Delete(_cacheDirectory, recursive: true);
}
