namespace Rewind.Core.Engine;

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

    /// <summary>Set by an operation that runs this one as its step (a group rollout, a realignment): it authorized the caller already.</summary>
    internal bool Authorized { get; init; }
}

/// <summary>Roll back the newest deployment of a target; <see cref="ExpectedDeployment"/> guards against rolling back the wrong one.</summary>
public sealed record RollbackRequest(string Target, string Who, string? Reason, string? ExpectedDeployment = null)
{
    /// <summary>Set by <c>rollback --to</c>: the verified deployment this rollback is a step toward, so it may land on an unverified one on the way.</summary>
    public string? Toward { get; init; }

    /// <summary>Set by <c>rollback --group</c>: the member's train state stays as it was (the whole group moves back together).</summary>
    public string? WithGroup { get; internal init; }

    /// <summary>Set by an operation that runs this one as its step (a group rollback, a rollback --to): it authorized the caller already.</summary>
    internal bool Authorized { get; init; }
}
