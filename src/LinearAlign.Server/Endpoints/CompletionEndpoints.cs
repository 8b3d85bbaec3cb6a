using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Server.Contracts;
using LinearAlign.Server.Hosting;

namespace LinearAlign.Server.Endpoints;

/// <summary>POST /v1/completions.</summary>
public static class CompletionEndpoints
{
    public static RouteGroupBuilder MapCompletionEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/completions", CreateCompletionAsync);
        return v1;
    }

    private static async Task<IResult> CreateCompletionAsync(HttpContext http, ModelHost host, CancellationToken cancellationToken)
    {
        if (host.Engine is not { } engine)
        {
            return OpenAiErrors.ModelLoading();
        }
        var (request, readError) = await ServerJson.ReadAsync<CompletionRequest>(http.Request, cancellationToken);
        if (readError is not null)
        {
            return readError;
        }
        if (request!.Model is { Length: > 0 } model && model != engine.Model.Alias)
        {
            return OpenAiErrors.BadRequest($"The model '{model}' does not exist; this server serves '{engine.Model.Alias}'.", "model", "model_not_found");
        }
        if (request.Stream == true)
        {
            return OpenAiErrors.BadRequest("Streaming is not available on this endpoint yet; send \"stream\": false.", "stream");
        }

        var streams = new List<GenerationStream>();
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            foreach (var generation in CompletionRequestMapper.ToGenerationRequests(request))
            {
                streams.Add(engine.Submit(generation, abandon.Token));
            }
        }
        catch (EngineException e)
        {
            // Choices already queued must not run on for nobody.
            await abandon.CancelAsync();
            return OpenAiErrors.FromEngine(e, http);
        }

        GenerationResult[] results;
        try
        {
            results = await Task.WhenAll(streams.Select(s => s.Completion));
        }
        catch (EngineException e)
        {
            await abandon.CancelAsync();
            return OpenAiErrors.FromEngine(e, http);
        }

        return TypedResults.Json(ToResponse(engine, request, results), ServerJson.Options);
    }

    private static CompletionResponse ToResponse(InferenceEngine engine, CompletionRequest request, GenerationResult[] results)
    {
        var choices = results
            .Select((r, i) => new CompletionChoice(i, r.Text, null, CompletionRequestMapper.WireName(r.FinishReason)))
            .ToList();
        var n = request.N ?? 1;
        // Each prompt's tokens count once, however many choices were drawn from it.
        var promptTokens = results.Where((_, i) => i % n == 0).Sum(r => r.Usage.PromptTokens);
        var completionTokens = results.Sum(r => r.Usage.CompletionTokens);
        var alignment = results[0].Alignment is { } a
            ? new LinearAlignmentInfo(a.PrincipleTokens, a.StepSize, CompletionRequestMapper.WireName(a.Mode), a.SharedPrefixTokens)
            : null;
        return new CompletionResponse(
            $"cmpl-{Guid.NewGuid():N}",
            "text_completion",
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            engine.Model.Alias,
            SystemFingerprint.Value,
            choices,
            new Usage(promptTokens, completionTokens, promptTokens + completionTokens),
            alignment);
    }
}
