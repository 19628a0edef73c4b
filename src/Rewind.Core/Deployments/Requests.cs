namespace Rewind.Core.Deployments;

/// <summary>Deploy a bundle to one target.</summary>
public sealed record DeployRequest(string BundlePath, string Target, string Who, string? Reason);

/// <summary>Roll back the newest deployment of a target; <see cref="ExpectedDeployment"/> guards against rolling back the wrong one.</summary>
public sealed record RollbackRequest(string Target, string Who, string? Reason, string? ExpectedDeployment = null);

/// <summary>The outcome of a deploy.</summary>
public sealed record DeployResult(Deployment Deployment, ApplySummary Summary);

/// <summary>The outcome of a rollback: the deployment as rolled back, what the inverse did, the target's new state.</summary>
public sealed record RollbackResult(Deployment Deployment, ApplySummary Summary, TargetState State, bool Resumed);

/// <summary>One target as <c>status</c> shows it.</summary>
public sealed record TargetStatus(string Name, TargetState State, Deployment? Last, Locks.LockHolder? Lock);
