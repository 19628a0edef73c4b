namespace Rewind.Server.Endpoints;

/// <summary>A request that says why; the role filter puts the reason in the audit even when it refuses.</summary>
internal interface IReasoned
{
    string? Reason { get; }
}

/// <summary><c>POST /api/targets/{name}/rollback</c>: why, and optionally the deployment the caller expects to roll back.</summary>
internal sealed record RollbackBody(string? Reason, string? Deployment) : IReasoned;

/// <summary><c>POST .../unfreeze</c>: the reason the audit keeps.</summary>
internal sealed record ReasonBody(string? Reason) : IReasoned;

/// <summary><c>POST .../clear</c>: the reason, and <c>force</c> to clear a target not aligned with its group (recorded).</summary>
internal sealed record ClearBody(string? Reason, bool Force = false) : IReasoned;

/// <summary><c>POST .../deployments</c> as JSON: a bundle already in the artifact store, by its path there.</summary>
internal sealed record DeployPathBody(string? Path, string? Reason, bool OutsideTrain = false, bool? OutsideWindow = null) : IReasoned;

/// <summary><c>POST /api/quarantine/purge</c>: a duration such as <c>7d</c>.</summary>
internal sealed record PurgeBody(string? OlderThan);
