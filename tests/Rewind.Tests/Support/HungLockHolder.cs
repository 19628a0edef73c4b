using System.Diagnostics;
using Rewind.Sqlite;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Support;

/// <summary>
/// A live but hung lock holder, what <c>rewind unlock</c> is for: a real process on this host (asleep) holding a
/// target's deploy lock in a SQLite control plane, well within its lease. Disposing ends the process.
/// </summary>
public sealed class HungLockHolder : IDisposable
{
    private readonly Process _process;

    private HungLockHolder(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public static async Task<HungLockHolder> TakeAsync(string controlPlane, string target, string who)
    {
        var process = Process.Start("sleep", "600")!;
        var now = DateTimeOffset.UtcNow;
        var holder = await new SqliteControlPlaneStore(controlPlane).TryAcquireLockAsync(
            new LockHolder(target, "hung", "deploy", who, Environment.MachineName, process.Id, now, now.AddMinutes(5)), _ => false);
        if (holder is not null)
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException($"{target} is locked already: {holder.Describe()}");
        }

        return new HungLockHolder(process);
    }

    public void Dispose()
    {
        _process.Kill();
        _process.Dispose();
    }
}
