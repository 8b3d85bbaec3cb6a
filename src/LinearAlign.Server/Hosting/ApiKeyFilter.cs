using System.Security.Cryptography;
using System.Text;
using LinearAlign.Server.Endpoints;
using LinearAlign.Server.Options;
using Microsoft.Extensions.Options;

namespace LinearAlign.Server.Hosting;

/// <summary>
/// With Server:ApiKeys set, API routes need "Authorization: Bearer &lt;key&gt;". Keys are compared as SHA-256
/// digests in constant time, against every configured key, so neither timing nor length tells how close a guess was.
/// </summary>
public sealed class ApiKeyFilter(IOptions<ServerOptions> options) : IEndpointFilter
{
    private const string BearerPrefix = "Bearer ";
    private readonly byte[][] _keyDigests = options.Value.ApiKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToArray();

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_keyDigests.Length == 0 || IsAuthorized(context.HttpContext.Request.Headers.Authorization.ToString()))
        {
            return next(context);
        }
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(OpenAiErrors.Error(
            StatusCodes.Status401Unauthorized,
            "Missing or incorrect API key: send 'Authorization: Bearer <key>' with a key from Server:ApiKeys.",
            OpenAiErrors.InvalidRequest,
            null,
            "invalid_api_key"));
    }

    private bool IsAuthorized(string authorization)
    {
        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[BearerPrefix.Length..].Trim()));
        var matched = false;
        foreach (var key in _keyDigests)
        {
            matched |= CryptographicOperations.FixedTimeEquals(digest, key);
        }
        return matched;
    }
}
