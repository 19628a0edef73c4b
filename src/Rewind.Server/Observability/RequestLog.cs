using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rewind.Server.Access;

namespace Rewind.Server.Observability;

/// <summary>
/// One structured line per request, once it is answered: method, path, status, duration and the caller's token
/// name (or "anonymous"). Never the token, the query string (a client may put one there) or a body.
/// </summary>
internal sealed class RequestLog(RequestDelegate next, ILogger<RequestLog> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            logger.LogInformation("{Method} {Path} {Status} in {DurationMs:0.0} ms by {Caller}",
                context.Request.Method,
                context.Request.Path.Value,
                context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                Caller.Find(context)?.Name ?? "anonymous");
        }
    }
}
