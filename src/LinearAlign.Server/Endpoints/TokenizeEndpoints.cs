using System.Text;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Scheduling;
using LinearAlign.Server.Contracts;
using LinearAlign.Server.Hosting;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Options;

namespace LinearAlign.Server.Endpoints;

/// <summary>POST /tokenize and /detokenize, for clients that budget their context (llama-server's and vLLM's shapes).</summary>
public static class TokenizeEndpoints
{
    public static IEndpointRouteBuilder MapTokenizeEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/tokenize", TokenizeAsync)
            .WithName("Tokenize")
            .WithSummary("Tokens of a text or dialog, as generation would see it")
            .WithJsonBody<TokenizeRequest>()
            .Produces<TokenizeResponse>()
            .Produces<OpenAiErrorResponse>(StatusCodes.Status400BadRequest);
        routes.MapPost("/detokenize", DetokenizeAsync)
            .WithName("Detokenize")
            .WithSummary("Text of token ids")
            .WithJsonBody<DetokenizeRequest>()
            .Produces<DetokenizeResponse>()
            .Produces<OpenAiErrorResponse>(StatusCodes.Status400BadRequest);
        return routes;
    }

    private static async Task<IResult> TokenizeAsync(HttpContext http, ModelHost host, IOptions<ServerOptions> options)
    {
        var (request, readError) = await ServerJson.ReadAsync<TokenizeRequest>(http.Request, options.Value.MaxRequestBytes, http.RequestAborted);
        if (readError is not null)
        {
            return readError;
        }
        var engine = host.ReadyEngine;
        try
        {
            var tokens = engine.Prompts.Tokenize(PromptText(engine, request!), request!.AddSpecial ?? true);
            var pieces = request.WithPieces == true
                ? tokens.Select(engine.Prompts.TokenPiece).ToList()
                : null;
            return TypedResults.Json(new TokenizeResponse(tokens, tokens.Length, engine.ContextSize, pieces), ServerJson.Options);
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

    private static async Task<IResult> DetokenizeAsync(HttpContext http, ModelHost host, IOptions<ServerOptions> options)
    {
        var (request, readError) = await ServerJson.ReadAsync<DetokenizeRequest>(http.Request, options.Value.MaxRequestBytes, http.RequestAborted);
        if (readError is not null)
        {
            return readError;
        }
        if (request!.Tokens is not { } tokens)
        {
            return OpenAiErrors.BadRequest("'tokens' is required: an array of token ids.", "tokens");
        }
        var engine = host.ReadyEngine;
        var vocabulary = engine.Model.VocabularySize;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] < 0 || tokens[i] >= vocabulary)
            {
                return OpenAiErrors.BadRequest($"Token {tokens[i]} is not in the vocabulary (0..{vocabulary - 1}).", $"tokens[{i}]");
            }
        }
        return TypedResults.Json(new DetokenizeResponse(Encoding.UTF8.GetString(engine.Prompts.Detokenize(tokens.ToArray()))), ServerJson.Options);
    }

    private static string PromptText(InferenceEngine engine, TokenizeRequest request)
    {
        var given = (request.Content is null ? 0 : 1) + (request.Prompt is null ? 0 : 1) + (request.Messages is null ? 0 : 1);
        if (given != 1)
        {
            throw new RequestValidationException("content", "Give exactly one of 'content', 'prompt' or 'messages'.");
        }
        var principle = string.IsNullOrEmpty(request.Principle) ? null : request.Principle;
        return request.Messages is not null
            ? engine.Prompts.PromptText(null, RequestMapper.ToMessages(request.Messages), principle)
            : engine.Prompts.PromptText(request.Content ?? request.Prompt, null, principle);
    }
}
