namespace Rewind.Core.Audit;

/// <summary>
/// One line of the audit log: who did what to which target, why, from which version to which, when it
/// started and ended, and how it came out. Each entry carries the hash of the one before it.
/// </summary>
public sealed record AuditEntry
{
    public long Seq { get; init; }

    public DateTimeOffset At { get; init; }

    public required string Who { get; init; }

    /// <summary><c>deploy</c>, <c>rollback</c>, <c>auto-rollback</c>, <c>clear</c>, <c>unfreeze</c>, <c>unlock</c>, ...</summary>
    public required string Operation { get; init; }

    public string? Target { get; init; }

    public string? Deployment { get; init; }

    public string? Reason { get; init; }

    public string? FromVersion { get; init; }

    public string? ToVersion { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary><c>succeeded</c>, <c>failed</c>, or <c>refused:&lt;rule&gt;</c>.</summary>
    public required string Outcome { get; init; }

    public string? Detail { get; init; }

    /// <summary>A rollback that took longer than <c>rollbackBudget</c> (seed 001 §7: a failure condition, investigated and acknowledged).</summary>
    public bool OverBudget { get; init; }

    public string PrevHash { get; init; } = "";

    public string Hash { get; init; } = "";
}

/// <summary>A filter over the audit log; null fields match everything.</summary>
public sealed record AuditQuery(string? Target = null, string? Operation = null, DateTimeOffset? Since = null, int Limit = 1000);
