using System.Threading.Channels;
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
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var streams = new List<GenerationStream>();
            foreach (var generation in CompletionRequestMapper.ToGenerationRequests(request))
            {
                streams.Add(engine.Submit(generation, abandon.Token));
            }

            if (request.Stream == true)
            {
                await StreamAsync(http, engine, streams, cancellationToken);
                return TypedResults.Empty;
            }
            var results = await Task.WhenAll(streams.Select(s => s.Completion));
            return TypedResults.Json(ToResponse(engine, request, results), ServerJson.Options);
        }
        catch (EngineException e)
        {
            return OpenAiErrors.FromEngine(e, http);
        }
        finally
        {
            // Choices still queued or running when the response ends (one failed, or the client left) must not run on for nobody.
            await abandon.CancelAsync();
        }
    }

    /// <summary>
    /// Streams every choice's text as it is generated, choices interleaved in one event stream. A failure after the
    /// stream has started can no longer change the status code, so it is sent as an error event before [DONE].
    /// </summary>
    private static async Task StreamAsync(HttpContext http, InferenceEngine engine, List<GenerationStream> streams, CancellationToken cancellationToken)
    {
        var id = $"cmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var alignment = ToAlignmentInfo(streams[0].Alignment);
        var events = Channel.CreateUnbounded<CompletionChunkChoice>(new UnboundedChannelOptions { SingleReader = true });
        var readers = streams.Select((stream, index) => ReadChoiceAsync(stream, index, events.Writer, cancellationToken)).ToArray();
        _ = Task.WhenAll(readers).ContinueWith(t => events.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        ServerSentEvents.Start(http.Response);
        try
        {
            await foreach (var choice in events.Reader.ReadAllAsync(cancellationToken))
            {
                var chunk = new CompletionChunk(id, "text_completion", created, engine.Model.Alias, SystemFingerprint.Value, [choice], alignment);
                await ServerSentEvents.WriteAsync(http.Response, chunk, cancellationToken);
            }
        }
        catch (EngineException e)
        {
            await ServerSentEvents.WriteAsync(http.Response, new OpenAiErrorResponse(new OpenAiError(e.Message, "server_error", e.Param, null)), cancellationToken);
        }
        await ServerSentEvents.WriteDoneAsync(http.Response, cancellationToken);
    }

    private static async Task ReadChoiceAsync(GenerationStream stream, int index, ChannelWriter<CompletionChunkChoice> events, CancellationToken cancellationToken)
    {
        await foreach (var delta in stream.ReadDeltasAsync(cancellationToken))
        {
            if (delta.Text.Length > 0)
            {
                await events.WriteAsync(new CompletionChunkChoice(index, delta.Text, null, null), cancellationToken);
            }
        }
        var result = await stream.Completion;
        await events.WriteAsync(new CompletionChunkChoice(index, string.Empty, null, CompletionRequestMapper.WireName(result.FinishReason)), cancellationToken);
    }

    private static LinearAlignmentInfo? ToAlignmentInfo(AppliedAlignment? alignment) => alignment is null
        ? null
        : new LinearAlignmentInfo(alignment.PrincipleTokens, alignment.StepSize, CompletionRequestMapper.WireName(alignment.Mode), alignment.SharedPrefixTokens);

    private static CompletionResponse ToResponse(InferenceEngine engine, CompletionRequest request, GenerationResult[] results)
    {
        var choices = results
            .Select((r, i) => new CompletionChoice(i, r.Text, null, CompletionRequestMapper.WireName(r.FinishReason)))
            .ToList();
        var n = request.N ?? 1;
        // Each prompt's tokens count once, however many choices were drawn from it.
        var promptTokens = results.Where((_, i) => i % n == 0).Sum(r => r.Usage.PromptTokens);
        var completionTokens = results.Sum(r => r.Usage.CompletionTokens);
        var alignment = ToAlignmentInfo(results[0].Alignment);
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
