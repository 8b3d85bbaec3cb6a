using LinearAlign.Engine.Generation;
using LinearAlign.Server.Contracts;

namespace LinearAlign.Server.Endpoints;

/// <summary>OpenAI-shaped error results, and the mapping from engine errors to HTTP status codes.</summary>
public static class OpenAiErrors
{
    public const string InvalidRequest = "invalid_request_error";

    public static IResult BadRequest(string message, string? param, string? code = null) =>
        Error(StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);

    public static IResult ModelLoading() =>
        Error(StatusCodes.Status503ServiceUnavailable, "The model is still loading; retry shortly.", "server_error", null, "model_loading");

    public static IResult FromEngine(EngineException error, HttpContext http) => error.Code switch
    {
        EngineErrorCode.InvalidParameter => BadRequest(error.Message, error.Param),
        EngineErrorCode.ContextLengthExceeded => BadRequest(error.Message, error.Param, "context_length_exceeded"),
        EngineErrorCode.QueueFull => RetryLater(http, error.Message),
        EngineErrorCode.ShuttingDown => Error(StatusCodes.Status503ServiceUnavailable, error.Message, "server_error", null, "shutting_down"),
        _ => Error(StatusCodes.Status500InternalServerError, error.Message, "server_error", null, null),
    };

    public static IResult Error(int status, string message, string type, string? param, string? code) =>
        TypedResults.Json(new OpenAiErrorResponse(new OpenAiError(message, type, param, code)), ServerJson.Options, statusCode: status);

    private static IResult RetryLater(HttpContext http, string message)
    {
        http.Response.Headers.RetryAfter = "1";
        return Error(StatusCodes.Status429TooManyRequests, message, "rate_limit_exceeded", null, "queue_full");
    }
}
