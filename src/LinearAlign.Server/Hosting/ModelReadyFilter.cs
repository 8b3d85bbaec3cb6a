using LinearAlign.Server.Endpoints;

namespace LinearAlign.Server.Hosting;

/// <summary>Routes that need the model answer 503 (with Retry-After) while it downloads or loads.</summary>
public sealed class ModelReadyFilter(ModelHost host) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (host.Engine is not null)
        {
            return next(context);
        }
        context.HttpContext.Response.Headers.RetryAfter = "5";
        return ValueTask.FromResult<object?>(OpenAiErrors.ModelLoading());
    }
}
