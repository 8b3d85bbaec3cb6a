using System.ComponentModel;
using LinearAlign.Engine.Model;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Server.Contracts;
using LinearAlign.Server.Hosting;

namespace LinearAlign.Server.Endpoints;

/// <summary>GET /v1/models and /v1/models/{id}: the one model this server serves, with its context length, size and declared principles for clients that look.</summary>
public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/models", (ModelHost host) => TypedResults.Json(new ModelList("list", [Describe(host.ReadyEngine)]), ServerJson.Options))
            .WithName("ListModels")
            .WithSummary("The served model")
            .Produces<ModelList>();

        // A catch-all, because aliases such as "org/model" contain slashes.
        v1.MapGet("/models/{*id}", (string id, ModelHost host) => host.ReadyEngine is var engine && id == engine.Model.Alias
                ? TypedResults.Json(Describe(engine), ServerJson.Options)
                : OpenAiErrors.ModelNotFound(id, engine.Model.Alias, StatusCodes.Status404NotFound))
            .WithName("RetrieveModel")
            .WithSummary("The served model, by id")
            .Produces<ModelCard>()
            .Produces<OpenAiErrorResponse>(StatusCodes.Status404NotFound);
        return v1;
    }

    private static ModelCard Describe(InferenceEngine engine) => new(
        engine.Model.Alias,
        "model",
        new DateTimeOffset(File.GetLastWriteTimeUtc(engine.Model.FilePath)).ToUnixTimeSeconds(),
        "linearalign",
        new ModelMeta(engine.ContextSize, engine.Model.TrainingContextLength, engine.Model.ParameterCount, engine.Model.SizeBytes, engine.Model.Architecture, engine.Model.VocabularySize, engine.Model.Principles));

    public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

    /// <summary>OpenAI's model object; "meta" is an extension OpenAI clients ignore.</summary>
    public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, ModelMeta Meta);

    public sealed record ModelMeta(
        int ContextLength,
        int TrainingContextLength,
        ulong ParameterCount,
        ulong SizeBytes,
        string Architecture,
        int VocabularySize,
        [property: Description("Extension: the principles the model was trained to follow, as declared in its GGUF metadata (linearalign.principles), each a short name and the principle text to send; for clients to offer as examples. Absent when the model declares none.")]
        IReadOnlyList<ModelPrinciple>? Principles);
}
