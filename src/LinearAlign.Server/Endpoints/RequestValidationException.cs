namespace LinearAlign.Server.Endpoints;

/// <summary>A wire request the HTTP layer refuses before it reaches the engine: a 400 naming <see cref="Param"/>.</summary>
public sealed class RequestValidationException(string param, string message) : Exception(message)
{
    public string Param => param;
}
