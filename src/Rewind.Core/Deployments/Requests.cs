namespace Rewind.Core.Deployments;

/// <summary>Deploy a bundle to one target.</summary>
public sealed record DeployRequest(string BundlePath, string Target, string Who, string? Reason, bool AutoRollback = true)
{
    /// <summary>False in a rehearsal: a copy of the database is rehearsed, never the real code slots.</summary>
    public bool IncludeCode { get; init; } = true;

    /// <summary>Deploy a release even though a rollback could not return a slot to its current version (needs a reason; audited).</summary>
    public bool Irreversible { get; init; }

    /// <summary>Deploy even though the target's window is closed (needs a reason; audited).</summary>
    public bool OutsideWindow { get; init; }

    /// <summary>The group rollout this deploy is part of (recorded on the deployment).</summary>
    public string? Group { get; init; }

    /// <summary>The stage of the group rollout.</summary>
    public int? Stage { get; init; }

    /// <summary>To a member of a group past its train: the audited exception (needs a reason); the member is then diverged.</summary>
    public bool OutsideTrain { get; init; }

    /// <summary>A realignment step: may land on an off-train target (the hold stays until cleared). Set by the engine only.</summary>
    public bool Realign { get; internal init; }
}

/// <summary>Roll back the newest deployment of a target; <see cref="ExpectedDeployment"/> guards against rolling back the wrong one.</summary>
public sealed record RollbackRequest(string Target, string Who, string? Reason, string? ExpectedDeployment = null)
{
    /// <summary>Set by <c>rollback --to</c>: the verified deployment this rollback is a step toward, so it may land on an unverified one on the way.</summary>
    public string? Toward { get; init; }

    /// <summary>Set by <c>rollback --group</c>: the member's train state stays as it was (the whole group moves back together).</summary>
    public string? WithGroup { get; internal init; }
}

/// <summary>The outcome of a deploy.</summary>
public sealed record DeployResult(Deployment Deployment, ApplySummary Summary, Verification.VerificationResult Verification, RollbackResult? AutomaticRollback = null, bool AlreadyApplied = false)
{
    /// <summary>Said at deploy time when the release cannot be rolled back (a slot's prior version is unknown).</summary>
    public string? Warning { get; init; }

    /// <summary>True when the deployment is applied and verified (exit 0); otherwise the CLI exits 4.</summary>
    public bool Succeeded => Deployment.Status == DeploymentStatus.Verified;
}

/// <summary>The outcome of a rollback: the deployment as rolled back, what the inverse did, the target's new state.</summary>
public sealed record RollbackResult(Deployment Deployment, ApplySummary Summary, TargetState State, Verification.VerificationResult Verification, bool Resumed = false)
{
    /// <summary>What the rollback could not restore and what it saved; kept on the deployment too.</summary>
    public Impact.ImpactReport Impact => Deployment.Impact ?? Core.Impact.ImpactReport.Empty;

    /// <summary>True when the rollback completed and verified; otherwise the target is frozen.</summary>
    public bool Succeeded => State.State != TrainState.Frozen;
}

/// <summary>One target as <c>status</c> shows it.</summary>
public sealed record TargetStatus(string Name, TargetState State, Deployment? Last, Locks.LockHolder? Lock)
{
    /// <summary>The target's most recent rollback, with its duration and whether it went over the budget.</summary>
    public Deployment? LastRollback { get; init; }

    /// <summary>Over-budget rollbacks nobody has acknowledged (<c>rewind ack</c>), newest first: the target needs investigation while any remain.</summary>
    public IReadOnlyList<Deployment> NeedsInvestigation { get; init; } = [];

    /// <summary>When the target accepts deploys, in words (open now until…, or when it next opens); null: any time.</summary>
    public string? Window { get; init; }
}
