using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rewind.Server.Operations;
using Rewind.Server.Problems;
using Rewind.Core.Engine;

namespace Rewind.Server.Endpoints;

/// <summary>
/// Runs a deploy or a rollback for a request: synchronously by default (the answer is the result), or in the
/// background when the caller sends <c>Prefer: respond-async</c> (202 with the operation to poll).
/// </summary>
internal static class OperationRunner
{
    /// <summary>What an operation returns: whether it succeeded, its JSON result, and if not, why in one line.</summary>
    public sealed record Outcome(bool Succeeded, object Result, string? Failure);

    public static async Task<IResult> RunAsync(HttpContext http, string kind, string target, string who, string? deployment,
        Func<IProgress<OperationProgress>?, CancellationToken, Task<Outcome>> work)
    {
        // Not the request's token: once started, a deploy or rollback runs to its end even if the caller hangs up.
        // Only stopping the server cancels it, and its journal lets the next operation settle what was interrupted.
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        if (http.Request.Headers["Prefer"].Any(p => p is not null && p.Contains("respond-async", StringComparison.OrdinalIgnoreCase)))
        {
            var operation = http.RequestServices.GetRequiredService<OperationRegistry>().Start(kind, target, who, deployment, async (progress, cancellationToken) =>
            {
                var outcome = await work(progress, cancellationToken);
                return (outcome.Succeeded, outcome.Result);
            });
            return Results.Accepted($"/api/operations/{operation.Id}", new { operation = operation.Id, status = operation.Status, location = $"/api/operations/{operation.Id}" });
        }

        var result = await work(null, stopping);
        if (result.Succeeded)
        {
            return Results.Ok(result.Result);
        }

        var problem = ProblemMapping.Problem(StatusCodes.Status500InternalServerError, "operation-failed", "The operation failed", result.Failure ?? $"the {kind} failed", 4);
        problem.Extensions["result"] = result.Result;
        return Results.Problem(problem);
    }
}
