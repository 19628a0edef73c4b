using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rewind.Core;
using Rewind.Server.Access;

namespace Rewind.Server.Problems;

/// <summary>Turns every exception that escapes an endpoint into its problem answer (see <see cref="ProblemMapping"/>).</summary>
internal sealed class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !(e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            if (e is not (RewindException or UnauthenticatedException or BadHttpRequestException))
            {
                logger.LogError(e, "unexpected fault answering {Method} {Path}", context.Request.Method, context.Request.Path);
            }

            var problem = ProblemMapping.From(e);
            context.Response.Clear();
            if (e is UnauthenticatedException)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            await Results.Problem(problem).ExecuteAsync(context);
        }
    }
}
