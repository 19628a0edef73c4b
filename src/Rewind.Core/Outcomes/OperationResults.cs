using Rewind.Core.Ledger;

namespace Rewind.Core.Outcomes;

/// <summary>The outcome of a deploy.</summary>
public sealed record DeployResult(Deployment Deployment, ApplySummary Summary, Verification.VerificationResult Verification, RollbackResult? AutomaticRollback = null, bool AlreadyApplied = false) : IOperationResult
{
    /// <summary>Said at deploy time when the release cannot be rolled back (a slot's prior version is unknown).</summary>
    public string? Warning { get; init; }

    /// <summary>True when the deployment is applied and verified (exit 0); otherwise the CLI exits 4.</summary>
    public bool Succeeded => Deployment.Status == DeploymentStatus.Verified;

    public OperationOutcome Outcome => Succeeded ? OperationOutcome.Done
        : AutomaticRollback is { Succeeded: false } ? OperationOutcome.Frozen
        : OperationOutcome.Failed;

    public string? Explanation => Succeeded ? null
        : AutomaticRollback is { Succeeded: false } frozen ? frozen.Explanation
        : Deployment.Error ?? $"deployment {Deployment.Id} is {Deployment.Status.ToName()}";
}

/// <summary>The outcome of a rollback: the deployment as rolled back, what the inverse did, the target's new state.</summary>
public sealed record RollbackResult(Deployment Deployment, ApplySummary Summary, TargetState State, Verification.VerificationResult Verification, bool Resumed = false) : IOperationResult
{
    /// <summary>What the rollback could not restore and what it saved; kept on the deployment too.</summary>
    public Impact.ImpactReport Impact => Deployment.Impact ?? Core.Impact.ImpactReport.Empty;

    /// <summary>True when the rollback completed and verified; otherwise the target is frozen.</summary>
    public bool Succeeded => State.State != TrainState.Frozen;

    public OperationOutcome Outcome => Succeeded ? OperationOutcome.Done : OperationOutcome.Frozen;

    /// <summary>The one sentence both shells say when the rollback did not verify.</summary>
    public string? Explanation => Succeeded ? null
        : $"rollback of {Deployment.Id} applied but {Deployment.Target} did not verify: {State.Reason}; {Deployment.Target} is frozen";
}

/// <summary>One target as <c>status</c> shows it.</summary>
public sealed record TargetStatus(string Name, TargetState State, Deployment? Last, LockHolder? Lock)
{
    /// <summary>The target's most recent rollback, with its duration and whether it went over the budget.</summary>
    public Deployment? LastRollback { get; init; }

    /// <summary>Over-budget rollbacks nobody has acknowledged (<c>rewind ack</c>), newest first: the target needs investigation while any remain.</summary>
    public IReadOnlyList<Deployment> NeedsInvestigation { get; init; } = [];

    /// <summary>When the target accepts deploys, in words (open now until…, or when it next opens); null: any time.</summary>
    public string? Window { get; init; }
}
