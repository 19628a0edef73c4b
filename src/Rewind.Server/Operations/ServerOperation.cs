using Microsoft.AspNetCore.Mvc;
using Rewind.Core.Engine;

namespace Rewind.Server.Operations;

/// <summary>
/// A long operation started with <c>Prefer: respond-async</c>: what it is, who started it, the step it is on, and,
/// once it ends, its result or its problem. Written by the operation's task, read by pollers: fields are replaced
/// whole, never mutated in place.
/// </summary>
internal sealed class ServerOperation(string id, string kind, string target, string who, string? deployment, DateTimeOffset startedAt)
{
    public string Id => id;

    public string Kind => kind;

    public string Target => target;

    public string Who => who;

    /// <summary>The deployment the operation acts on, when known up front (a rollback of an expected deployment).</summary>
    public string? Deployment { get; set; } = deployment;

    public DateTimeOffset StartedAt => startedAt;

    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary><c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>refused</c>.</summary>
    public string Status { get; private set; } = "running";

    public OperationProgress? Progress { get; set; }

    public object? Result { get; private set; }

    public ProblemDetails? Problem { get; private set; }

    public void Finish(string status, object? result, ProblemDetails? problem, DateTimeOffset at)
    {
        Result = result;
        Problem = problem;
        EndedAt = at;
        Status = status;
    }
}
