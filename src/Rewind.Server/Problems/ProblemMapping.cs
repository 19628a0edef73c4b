using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Rewind.Core;
using Rewind.Core.Secrets;
using Rewind.Server.Access;

namespace Rewind.Server.Problems;

/// <summary>
/// The one place failures become HTTP answers, with the meanings of the CLI's exit codes: 400 bad input (2),
/// 401 no or bad token, 403 a role lacking, 409 refused by a rule (3), 500 the operation failed (4) or a fault.
/// Every answer is an RFC 7807 problem carrying <c>code</c> (the CLI's exit code) and, for a refusal, <c>rule</c>.
/// </summary>
internal static class ProblemMapping
{
    public static ProblemDetails From(Exception exception) => exception switch
    {
        UnauthenticatedException e => Problem(StatusCodes.Status401Unauthorized, "unauthenticated", "Unauthenticated", e.Message, 2),
        RefusedException { Rule: "not-authorized" } e => Refusal(StatusCodes.Status403Forbidden, e),
        RefusedException e => Refusal(StatusCodes.Status409Conflict, e),
        BadInputException e => Problem(StatusCodes.Status400BadRequest, "bad-input", "Bad input", e.Message, e.ExitCode),
        BadHttpRequestException e => Problem(e.StatusCode, "bad-request", "Bad request", BadRequestDetail(e), 2),
        OperationFailedException e => Problem(StatusCodes.Status500InternalServerError, "operation-failed", "The operation failed", e.Message, e.ExitCode),
        // A fault in Rewind itself: the type names it for the log reader, the message may hold internals.
        _ => Problem(StatusCodes.Status500InternalServerError, "fault", "Unexpected fault", $"an unexpected {exception.GetType().Name}; the server log has the details. Targets are protected by their transactions.", 4),
    };

    /// <summary>A problem that is not an exception (a missing resource, a failed result returned as a value).</summary>
    public static ProblemDetails Problem(int status, string kind, string title, string detail, int? code = null)
    {
        // A driver's message can quote a connection string: nothing that looks like a password or token leaves,
        // and no path on the server's disk either.
        var problem = new ProblemDetails { Status = status, Type = $"urn:rewind:problem:{kind}", Title = title, Detail = SecretMask.Apply(ServerPaths.Hide(detail)) };
        if (code is not null)
        {
            problem.Extensions["code"] = code;
        }

        return problem;
    }

    private static ProblemDetails Refusal(int status, RefusedException e)
    {
        var problem = Problem(status, $"refused:{e.Rule}", status == StatusCodes.Status403Forbidden ? "Not authorized" : "Refused by a rule", e.Message, e.ExitCode);
        problem.Extensions["rule"] = e.Rule;
        return problem;
    }

    // Binding failures wrap the JSON error; its message says which field and where, which is what a caller needs.
    private static string BadRequestDetail(BadHttpRequestException e) =>
        e.InnerException is JsonException json ? $"the request body is not valid JSON for this endpoint: {json.Message}" : e.Message;
}
