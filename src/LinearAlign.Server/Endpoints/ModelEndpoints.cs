using LinearAlign.Server.Hosting;

namespace LinearAlign.Server.Endpoints;

/// <summary>GET /v1/models: the one model this server serves, with its context length and size for clients that look.</summary>
public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/models", (ModelHost host) =>
            host.Engine is not { } engine
                ? OpenAiErrors.ModelLoading()
                : TypedResults.Json(new ModelList("list", [Describe(engine)]), ServerJson.Options));
        return v1;
    }

    private static ModelCard Describe(Engine.Scheduling.InferenceEngine engine) => new(
        engine.Model.Alias,
        "model",
        new DateTimeOffset(File.GetLastWriteTimeUtc(engine.Model.FilePath)).ToUnixTimeSeconds(),
        "linearalign",
        new ModelMeta(engine.ContextSize, engine.Model.TrainingContextLength, engine.Model.ParameterCount, engine.Model.SizeBytes, engine.Model.Architecture));

    public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

    public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, ModelMeta Meta);

    public sealed record ModelMeta(int ContextLength, int TrainingContextLength, ulong ParameterCount, ulong SizeBytes, string Architecture);
}
