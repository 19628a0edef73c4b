namespace Rewind.Core.Notifications;

/// <summary>
/// The payload sent to webhooks (as JSON) and notifier commands (as <c>REWIND_*</c> environment variables):
/// what happened, to which target and deployment, who asked and why, from which version to which.
/// </summary>
public sealed record Notification
{
    /// <summary><c>rollback-started</c>, <c>rollback-completed</c>, <c>rollback-failed</c>, <c>target-frozen</c>.</summary>
    public required string Event { get; init; }

    public required string Target { get; init; }

    public string? Deployment { get; init; }

    public string? Bundle { get; init; }

    public string? Reason { get; init; }

    public string? Who { get; init; }

    public string? FromVersion { get; init; }

    public string? ToVersion { get; init; }

    public string? Outcome { get; init; }

    public double? DurationSeconds { get; init; }

    public DateTimeOffset At { get; init; }

    public string? Detail { get; init; }

    /// <summary>Set on a rollback's outcome when it took longer than <c>rollbackBudget</c>: a failure condition to investigate.</summary>
    public bool OverBudget { get; init; }

    /// <summary>
    /// The audit chain's head when the notification was sent: a copy of it kept by every receiver, so entries
    /// removed or re-hashed later are caught by <c>rewind audit --verify --anchor</c> with a saved payload.
    /// </summary>
    public Audit.AuditHead? AuditHead { get; init; }
}
