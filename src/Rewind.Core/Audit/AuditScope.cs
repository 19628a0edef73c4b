namespace Rewind.Core.Audit;

/// <summary>What an operation learns about itself while it runs, for the audit entry written when it ends.</summary>
public sealed class AuditScope
{
    public string? Deployment { get; set; }

    public string? FromVersion { get; set; }

    public string? ToVersion { get; set; }

    public string? Detail { get; set; }

    /// <summary>Adds to the detail, keeping what an earlier step said (an exception it was granted, a warning).</summary>
    public void AddDetail(string? detail)
    {
        if (!string.IsNullOrEmpty(detail))
        {
            Detail = Detail is null ? detail : $"{Detail}; {detail}";
        }
    }

    /// <summary>Set when the operation ended in a recorded failure that is still returned as a result (exit 4).</summary>
    public bool Failed { get; set; }

    /// <summary>Set when a rollback took longer than the budget: a failure condition the entry carries as <c>overBudget</c>.</summary>
    public bool OverBudget { get; set; }
}
