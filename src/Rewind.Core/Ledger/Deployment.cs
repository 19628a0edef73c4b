using Rewind.Core.Bundles;

namespace Rewind.Core.Ledger;

/// <summary>One application of one bundle to one target, with its inverse and its outcome.</summary>
public sealed record Deployment
{
    public required string Id { get; init; }

    public required string Target { get; init; }

    public required string BundleId { get; init; }

    public required string BundleDigest { get; init; }

    public string? InverseDigest { get; init; }

    public BundleKind Kind { get; init; }

    public DeploymentStatus Status { get; init; }

    public required string Who { get; init; }

    public string? Reason { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public long Records { get; init; }

    public long Rows { get; init; }

    /// <summary>The bundle's row changes (<c>rows/&lt;table&gt;.ndjson</c> lines): a deployment of only these touches no record.</summary>
    public long RowChanges { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset? RolledBackAt { get; init; }

    public string? RolledBackBy { get; init; }

    public string? RollbackReason { get; init; }

    /// <summary>How long the rollback took, measured and recorded against the budget.</summary>
    public TimeSpan? RollbackDuration { get; init; }

    /// <summary>Set when the rollback took longer than the configured budget.</summary>
    public bool RollbackOverBudget { get; init; }

    /// <summary>Set by <c>rewind ack</c>: the over-budget rollback was investigated (seed 001 §7: over budget is a failure condition).</summary>
    public Acknowledgement? OverBudgetAck { get; init; }

    /// <summary>True for an over-budget rollback nobody has acknowledged yet: its target needs investigation.</summary>
    public bool NeedsInvestigation => RollbackOverBudget && OverBudgetAck is null && RolledBackAt is not null;

    /// <summary>True while the deployment's changes are on the target (the only ones a rollback can choose).</summary>
    public bool IsApplied => Status is DeploymentStatus.Verified or DeploymentStatus.Applied;

    /// <summary>The checks run after the deploy.</summary>
    public IReadOnlyList<Verification.CheckResult> Checks { get; init; } = [];

    /// <summary>The checks run after the rollback.</summary>
    public IReadOnlyList<Verification.CheckResult> RollbackChecks { get; init; } = [];

    /// <summary>Every hook command run for this deployment and its rollback, in order, with its output.</summary>
    public IReadOnlyList<Verification.HookResult> Hooks { get; init; } = [];

    /// <summary>False when the deploy was run with <c>--no-auto-rollback</c> (recorded: staging use).</summary>
    public bool AutoRollback { get; init; } = true;

    /// <summary>Set when the rollback was started by Rewind itself after a failed verification.</summary>
    public bool AutomaticRollback { get; init; }

    /// <summary>The group this deployment was rolled back with (<c>rollback --group</c>): the target kept its train state.</summary>
    public string? RolledBackWithGroup { get; init; }

    /// <summary>For a release: what it did to each code slot, from which version to which.</summary>
    public IReadOnlyList<Code.SlotChange> Code { get; init; } = [];

    /// <summary>The journal: each step of the deploy and of its rollback, written before and after it runs.</summary>
    public IReadOnlyList<JournalStep> Steps { get; init; } = [];

    /// <summary>Each business table's counters when the deployment went live (the start of its impact window).</summary>
    public IReadOnlyList<Targets.TableBaseline> BusinessBaselines { get; init; } = [];

    /// <summary>The rollback's impact report: business data changed while live, live edits saved, tables quarantined.</summary>
    public Impact.ImpactReport? Impact { get; init; }

    /// <summary>The group whose rollout (or realignment) made this deployment; null for a single-target deploy.</summary>
    public string? Group { get; init; }

    /// <summary>The stage of the group the target is in, for a group deployment.</summary>
    public int? Stage { get; init; }

    /// <summary>Set when the deployment was a step of <c>rewind realign</c> (allowed while the target is off-train).</summary>
    public bool Realign { get; init; }

    /// <summary>
    /// The target's fingerprint over the keys the bundle touches, taken just before capture (members of a group
    /// only). Equal fingerprints mean identical inverses; a different one means the target had diverged.
    /// </summary>
    public string? PriorFingerprint { get; init; }

    /// <summary>True when every slot's prior version was known at deploy time, so the release can go back whole.</summary>
    public bool CanRollBackCode => Code.All(c => c.FromVersion is not null);
}
