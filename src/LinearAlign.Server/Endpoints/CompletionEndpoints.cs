using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Server.Contracts;
using LinearAlign.Server.Hosting;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Options;
using Serilog;

namespace LinearAlign.Server.Endpoints;

/// <summary>POST /v1/chat/completions and POST /v1/completions, non-streaming and streaming.</summary>
public static class CompletionEndpoints
{
    public static RouteGroupBuilder MapCompletionEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGeneration<ChatCompletionRequest, ChatCompletionResponse, ChatCompletionChunk>(
                "/chat/completions", RequestMapper.Map, header => new ChatResponseFormat(header), ChatResponseFormat.IdPrefix)
            .WithName("CreateChatCompletion")
            .WithSummary("Chat completion, optionally steered toward a principle")
            .WithDescription("OpenAI's chat completions API. Add 'principle' (and optionally 'step_size', 'alignment_mode') to decode with linear alignment; add 'alignment_compare': true to get three choices decoded together: linear alignment, the principle in the prompt only, the base model. With stream: true the response is server-sent events ending with data: [DONE].");
        v1.MapGeneration<CompletionRequest, CompletionResponse, CompletionChunk>(
                "/completions", RequestMapper.Map, header => new CompletionResponseFormat(header), CompletionResponseFormat.IdPrefix)
            .WithName("CreateCompletion")
            .WithSummary("Text completion, optionally steered toward a principle")
            .WithDescription("OpenAI's legacy completions API with the same extensions as chat completions.");
        return v1;
    }

    private static RouteHandlerBuilder MapGeneration<TBody, TResponse, TChunk>(
        this RouteGroupBuilder v1,
        string route,
        Func<TBody, int, MappedRequest> map,
        Func<ResponseHeader, IResponseFormat> createFormat,
        string idPrefix) where TBody : GenerationBody => v1
        .MapPost(route, (HttpContext http, ModelHost host, IOptions<ServerOptions> options) =>
            RunAsync(http, host.ReadyEngine, options.Value, map, createFormat, idPrefix))
        .WithJsonBody<TBody>()
        .Produces<TResponse>()
        .WithEventStream<TChunk>()
        .Produces<OpenAiErrorResponse>(StatusCodes.Status400BadRequest)
        .Produces<OpenAiErrorResponse>(StatusCodes.Status401Unauthorized)
        .Produces<OpenAiErrorResponse>(StatusCodes.Status413PayloadTooLarge)
        .Produces<OpenAiErrorResponse>(StatusCodes.Status429TooManyRequests)
        .Produces<OpenAiErrorResponse>(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> RunAsync<TBody>(
        HttpContext http,
        InferenceEngine engine,
        ServerOptions options,
        Func<TBody, int, MappedRequest> map,
        Func<ResponseHeader, IResponseFormat> createFormat,
        string idPrefix) where TBody : GenerationBody
    {
        var (body, readError) = await ServerJson.ReadAsync<TBody>(http.Request, options.MaxRequestBytes, http.RequestAborted);
        if (readError is not null)
        {
            return readError;
        }
        if (body!.Model is { Length: > 0 } model && model != engine.Model.Alias)
        {
            return OpenAiErrors.ModelNotFound(model, engine.Model.Alias, StatusCodes.Status400BadRequest);
        }
        try
        {
            var request = map(body, options.MaxChoices);
            await using var run = ChoiceRun.Submit(engine, request, http.RequestAborted);
            var format = createFormat(ResponseHeader.For(idPrefix, engine.Model.Alias, run.Alignment, request.Compare));
            var log = http.RequestServices.GetRequiredService<IDiagnosticContext>();
            log.RecordAlignment(run.Alignment is not null);
            if (request.Stream)
            {
                return await StreamAsync(http, run, format, request, log);
            }
            var results = await run.CompleteAllAsync();
            var usage = run.Usage(results);
            log.RecordUsage(usage);
            return TypedResults.Json(format.Response(results, usage), ServerJson.Options);
        }
        catch (RequestValidationException e)
        {
            return OpenAiErrors.BadRequest(e.Message, e.Param);
        }
        catch (EngineException e)
        {
            return OpenAiErrors.FromEngine(e, http);
        }
    }

    /// <summary>
    /// Streams every choice as it is generated, choices interleaved in one event stream. The response starts only
    /// once the first event is ready, so a request that fails before its first token still gets a JSON error with
    /// its status code; a failure after that can only end the stream, with an error event before [DONE].
    /// </summary>
    private static async Task<IResult> StreamAsync(HttpContext http, ChoiceRun run, IResponseFormat format, MappedRequest request, IDiagnosticContext log)
    {
        var cancellationToken = http.RequestAborted;
        await using var events = run.ReadEventsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var hasEvent = await events.MoveNextAsync();

        var response = http.Response;
        ServerSentEvents.Start(response);
        var results = new GenerationResult[request.ChoiceCount];
        try
        {
            foreach (var opening in format.Opening(results.Length))
            {
                await ServerSentEvents.WriteAsync(response, opening, cancellationToken);
            }
            for (; hasEvent; hasEvent = await events.MoveNextAsync())
            {
                var (index, text, logprobs, steering, result) = events.Current;
                if (result is null)
                {
                    await ServerSentEvents.WriteAsync(response, format.Text(index, text, logprobs, steering), cancellationToken);
                    continue;
                }
                results[index] = result;
                await ServerSentEvents.WriteAsync(response, format.Finish(index, result), cancellationToken);
            }
            var usage = run.Usage(results);
            log.RecordUsage(usage);
            if (request.IncludeUsage)
            {
                await ServerSentEvents.WriteAsync(response, format.UsageChunk(usage), cancellationToken);
            }
        }
        catch (EngineException e)
        {
            await ServerSentEvents.WriteAsync(response, OpenAiErrors.Body(e), cancellationToken);
        }
        await ServerSentEvents.WriteDoneAsync(response, cancellationToken);
        return TypedResults.Empty;
    }
}
