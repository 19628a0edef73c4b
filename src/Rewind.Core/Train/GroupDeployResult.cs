using Rewind.Core.Outcomes;


namespace Rewind.Core.Train;

/// <summary>
/// The outcome of a group rollout: what each stage did, who was skipped and why, which targets had diverged
/// (their prior fingerprint differed from the group's majority, so they got their own inverse), and where the
/// rollout stopped if it did.
/// </summary>
public sealed record GroupDeployResult(
    string Group,
    string BundleId,
    string BundleDigest,
    IReadOnlyList<StageResult> Stages,
    IReadOnlyList<DivergedTarget> Diverged,
    bool SoakSkipped,
    int? StoppedAtStage,
    string? StopReason) : IOperationResult
{
    /// <summary>The bundle's position on the train, once it boarded (null when the rollout failed before any gate passed).</summary>
    public int? TrainPosition { get; init; }

    /// <summary>True when every stage passed its gate (skipped targets do not fail a rollout).</summary>
    public bool Succeeded => StoppedAtStage is null;

    public OperationOutcome Outcome => Succeeded ? OperationOutcome.Done : OperationOutcome.Failed;

    public string? Explanation => Succeeded ? null : $"group {Group}'s rollout of {BundleId} stopped at stage {StoppedAtStage}: {StopReason}";

    /// <summary>The fingerprint most deployed targets shared before capture (ties: the first in stage order).</summary>
    public string? MajorityFingerprint { get; init; }
}

/// <summary>One stage of a rollout: its deploys in order, the targets it skipped, its stage rollbacks and its gate.</summary>
public sealed record StageResult(
    int Stage,
    IReadOnlyList<DeployResult> Deployed,
    IReadOnlyList<SkippedTarget> Skipped,
    IReadOnlyList<StageFailure> Failures,
    IReadOnlyList<RollbackResult> RolledBack,
    string Gate);

/// <summary>A target the rollout passed by, and why (off-train, frozen, diverged, behind the train).</summary>
public sealed record SkippedTarget(string Target, string Reason, string? Deployment)
{
    /// <summary>The target's train state when it was passed by (<c>on-train</c> for one behind the train).</summary>
    public string? State { get; init; }
}

/// <summary>A target whose deploy (or stage rollback) could not run: refused by a rule or failed before applying.</summary>
public sealed record StageFailure(string Target, string Error, int ExitCode);

/// <summary>A target whose state over the bundle's keys differed from the group's majority before the deploy.</summary>
public sealed record DivergedTarget(string Target, string Deployment, string? Fingerprint, string? InverseDigest);
