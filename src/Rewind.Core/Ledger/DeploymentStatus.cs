namespace Rewind.Core.Ledger;

/// <summary>Where a deployment stands. Only <see cref="Verified"/> deployments are known-good and can be rolled back.</summary>
public enum DeploymentStatus
{
    /// <summary>In flight: the target transaction may or may not have committed (the target's marker decides).</summary>
    Applying,

    /// <summary>Applied and verified: the known-good state the next deployment's rollback returns to.</summary>
    Verified,

    /// <summary>Applied but not verified: verification failed (with auto-rollback off) or was inconclusive; an operator decides.</summary>
    Applied,

    /// <summary>Did not apply: the target is as it was before.</summary>
    Failed,

    /// <summary>A rollback is in flight.</summary>
    RollingBack,

    /// <summary>Rolled back: its inverse was applied.</summary>
    RolledBack,

    /// <summary>Never applied: a group rollout passed this target by (off-train, frozen or behind its train).</summary>
    Skipped,
}

public static class DeploymentStatusNames
{
    public static string ToName(this DeploymentStatus status) => status switch
    {
        DeploymentStatus.Applying => "applying",
        DeploymentStatus.Verified => "verified",
        DeploymentStatus.Applied => "applied",
        DeploymentStatus.Failed => "failed",
        DeploymentStatus.RollingBack => "rolling-back",
        DeploymentStatus.RolledBack => "rolled-back",
        DeploymentStatus.Skipped => "skipped",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static DeploymentStatus Parse(string name) =>
        Enum.GetValues<DeploymentStatus>().Single(s => s.ToName() == name);
}
