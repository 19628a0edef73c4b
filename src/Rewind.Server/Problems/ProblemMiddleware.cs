using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rewind.Core;
using Rewind.Core.Secrets;
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
                // Masked text rather than the exception object: its message may quote a connection string.
                logger.LogError("unexpected fault answering {Method} {Path}: {Fault}", context.Request.Method, context.Request.Path, SecretMask.Apply(e.ToString()));
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
