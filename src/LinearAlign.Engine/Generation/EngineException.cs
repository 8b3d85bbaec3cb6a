namespace LinearAlign.Engine.Generation;

public enum EngineErrorCode
{
    /// <summary>A request parameter is out of range or malformed; <see cref="EngineException.Param"/> names it.</summary>
    InvalidParameter,

    /// <summary>The prompt (with the principle) does not fit the context.</summary>
    ContextLengthExceeded,

    /// <summary>The admission queue is full; try again later.</summary>
    QueueFull,

    /// <summary>The engine is stopping and takes no new requests.</summary>
    ShuttingDown,

    /// <summary>llama.cpp failed to decode a batch carrying this request.</summary>
    DecodeFailed,
}

/// <summary>A typed engine error; the HTTP layer maps codes to status codes and OpenAI error bodies.</summary>
public sealed class EngineException : Exception
{
    public EngineException(EngineErrorCode code, string message, string? param = null) : base(message)
    {
        Code = code;
        Param = param;
    }

    public EngineErrorCode Code { get; }

    public string? Param { get; }

    /// <summary>For <see cref="EngineErrorCode.ContextLengthExceeded"/>: the tokens the prompt needs.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>For <see cref="EngineErrorCode.ContextLengthExceeded"/>: the context size.</summary>
    public int? ContextSize { get; init; }

    public static EngineException Invalid(string param, string message) => new(EngineErrorCode.InvalidParameter, message, param);
}
