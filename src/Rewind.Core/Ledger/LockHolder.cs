using System.Diagnostics;

namespace Rewind.Core.Ledger;

/// <summary>Who holds a target's lock: the operation, the person, the host and process, and the lease.</summary>
public sealed record LockHolder(
    string Target,
    string Token,
    string Operation,
    string Who,
    string Host,
    int ProcessId,
    DateTimeOffset AcquiredAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// A lock is stale when its lease ran out, or when it belongs to a process on this host that is gone:
    /// a dead process must never block a 3 AM rollback for the length of a lease.
    /// </summary>
    public bool IsStale(DateTimeOffset now)
    {
        if (ExpiresAt < now)
        {
            return true;
        }

        if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(ProcessId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    public string Describe() => $"{Operation} by {Who} since {AcquiredAt:yyyy-MM-dd HH:mm:ss}Z (host {Host}, process {ProcessId})";
}
