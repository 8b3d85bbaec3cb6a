using LinearAlign.Engine.Generation;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>OpenAI-shaped error results, and the mapping from engine errors to HTTP status codes.</summary>
public static class OpenAiErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    public static IResult BadRequest(string message, string? param, string? code = null) =>
        Error(StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);

    public static IResult ModelLoading() =>
        Error(StatusCodes.Status503ServiceUnavailable, "The model is still loading; retry shortly.", ServerError, null, "model_loading");

    public static IResult PayloadTooLarge(long limit) =>
        Error(StatusCodes.Status413PayloadTooLarge, $"The request body exceeds the {limit}-byte limit (Server:MaxRequestBytes).", InvalidRequest, null, "request_too_large");

    /// <summary>404 when the model is the resource (GET /v1/models/{id}), 400 when it is a request parameter.</summary>
    public static IResult ModelNotFound(string model, string served, int status) =>
        Error(status, $"The model '{model}' does not exist; this server serves '{served}'.", InvalidRequest, "model", "model_not_found");

    public static IResult FromEngine(EngineException error, HttpContext http) => error.Code switch
    {
        EngineErrorCode.InvalidParameter => BadRequest(error.Message, error.Param),
        EngineErrorCode.ContextLengthExceeded => BadRequest(error.Message, error.Param, "context_length_exceeded"),
        EngineErrorCode.QueueFull => RetryLater(http, error.Message),
        EngineErrorCode.ShuttingDown => Error(StatusCodes.Status503ServiceUnavailable, error.Message, ServerError, null, "shutting_down"),
        _ => Error(StatusCodes.Status500InternalServerError, error.Message, ServerError, null, null),
    };

    /// <summary>The error object alone, for an error event inside a stream that has already started.</summary>
    public static OpenAiErrorResponse Body(EngineException error) => new(new OpenAiError(
        error.Message,
        error.Code is EngineErrorCode.InvalidParameter or EngineErrorCode.ContextLengthExceeded ? InvalidRequest : ServerError,
        error.Param,
        null));

    public static IResult Error(int status, string message, string type, string? param, string? code) =>
        TypedResults.Json(new OpenAiErrorResponse(new OpenAiError(message, type, param, code)), ServerJson.Options, statusCode: status);

    /// <summary>A body for a status that has none (unknown route, wrong method, a media type no endpoint takes).</summary>
    public static OpenAiErrorResponse ForStatus(int status) => new(status switch
    {
        StatusCodes.Status404NotFound => new OpenAiError("Unknown route; see /openapi/v1.json for the API.", InvalidRequest, null, "not_found"),
        StatusCodes.Status405MethodNotAllowed => new OpenAiError("This route does not take that HTTP method.", InvalidRequest, null, "method_not_allowed"),
        StatusCodes.Status415UnsupportedMediaType => new OpenAiError("Send the body as application/json.", InvalidRequest, null, "unsupported_media_type"),
        >= 500 => new OpenAiError("The server failed to handle the request.", ServerError, null, null),
        _ => new OpenAiError($"The request failed with HTTP status {status}.", InvalidRequest, null, null),
    });

    private static IResult RetryLater(HttpContext http, string message)
    {
        http.Response.Headers.RetryAfter = "1";
        return Error(StatusCodes.Status429TooManyRequests, message, "rate_limit_exceeded", null, "queue_full");
    }
}
