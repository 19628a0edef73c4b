using Rewind.Core.ControlPlane;
using Rewind.Core.Targets;
using Rewind.Core.Configuration;
using Rewind.Core.Ledger;

namespace Rewind.Core.Locks;

/// <summary>
/// One operation at a time per target (and one rollout at a time per group: its train positions are handed out
/// in order). The lock is a lease in the control-plane store, renewed by a heartbeat while the operation runs and
/// released when it ends; a holder that died is recognised and replaced.
/// </summary>
public sealed class TargetLock : IAsyncDisposable
{
    /// <summary>Group locks share the store's lock table under this prefix; target names cannot contain ':'.</summary>
    private const string GroupPrefix = "group:";

    private readonly IControlPlaneStore _store;
    private readonly TimeProvider _time;
    private readonly LockTimings _timings;
    private readonly LockHolder _holder;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _heartbeat;

    private TargetLock(IControlPlaneStore store, TimeProvider time, LockTimings timings, LockHolder holder)
    {
        _store = store;
        _time = time;
        _timings = timings;
        _holder = holder;
        _heartbeat = RenewAsync(_stop.Token);
    }

    public LockHolder Holder => _holder;

    /// <summary>
    /// Runs a step that runs commands (hooks, checks) so that they are killed when the heartbeat finds the lock no
    /// longer this holder's (broken by <c>rewind unlock</c>, or taken over after the lease ran out): a hook that hangs
    /// is what gets a lock broken, and this is how the hung process stops itself within a heartbeat.
    /// </summary>
    public async Task<T> RunWhileHeldAsync<T>(Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
        try
        {
            return await run(linked.Token);
        }
        catch (OperationCanceledException) when (_lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Lost("its heartbeat found it gone", IsGroup
                ? GroupStopped
                : "it killed the command it was running (a hook or a check) and stopped there; what it had committed is settled by the next operation on the target (or run: rewind recover)");
        }
    }

    /// <summary>Takes the lock or throws <see cref="RefusedException"/> naming the live holder.</summary>
    public static Task<TargetLock> AcquireAsync(IControlPlaneStore store, TimeProvider time, string target, string operation, string who, CancellationToken cancellationToken) =>
        AcquireAsync(store, time, LockTimings.Default, target, operation, who, cancellationToken);

    /// <summary>Takes the lock with its own lease and heartbeat, or throws <see cref="RefusedException"/> naming the live holder.</summary>
    public static async Task<TargetLock> AcquireAsync(IControlPlaneStore store, TimeProvider time, LockTimings timings, string target, string operation, string who, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var wanted = new LockHolder(target, Guid.NewGuid().ToString("N"), operation, who, Environment.MachineName, Environment.ProcessId, now, now + timings.Lease);
        var holder = await store.TryAcquireLockAsync(wanted, h => h.IsStale(time.GetUtcNow()), cancellationToken);
        return holder is null
            ? new TargetLock(store, time, timings, wanted)
            : throw new RefusedException("busy", $"{Subject(target)} is busy: {holder.Describe()}. Wait for it to finish; if that process is hung, an admin can run: rewind unlock {UnlockOption(target)} --reason \"...\"");
    }

    /// <summary>The lock key of a group's rollouts.</summary>
    public static string GroupKey(string group) => GroupPrefix + group;

    private static bool IsGroupKey(string key) => key.StartsWith(GroupPrefix, StringComparison.Ordinal);

    private static string Subject(string key) => IsGroupKey(key) ? $"group {key[GroupPrefix.Length..]}" : $"target {key}";

    private static string UnlockOption(string key) => IsGroupKey(key) ? $"--group {key[GroupPrefix.Length..]}" : $"--target {key}";

    /// <summary>
    /// Claims the target itself for this holder, before anything of it is read: the target keeps the token of the
    /// holder that claimed it last, and a holder's commit checks it (<see cref="EnsureHeldAsync(ITargetSession, CancellationToken)"/>).
    /// A holder whose lock was broken while it hung can then never commit over the work of the one that followed,
    /// however close the two come: the claim and the commit are serialised by the target's own locks.
    /// </summary>
    public async Task ClaimAsync(ITargetStore target, CancellationToken cancellationToken)
    {
        await using var session = await target.BeginAsync(cancellationToken);
        await session.WriteFenceAsync(new TargetFence(_holder.Token, _holder.Describe()), cancellationToken);
        await session.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Fencing, at a step where a hung holder should stop early: the lock must still be this holder's. An admin
    /// may have broken it while the operation hung (<c>rewind unlock</c>), and a new holder may be at work.
    /// </summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        var current = await _store.GetLockAsync(_holder.Target, cancellationToken);
        if (current?.Token != _holder.Token)
        {
            throw Lost(current is null ? "it is free now" : $"now held: {current.Describe()}", IsGroup ? GroupStopped : NothingCommitted);
        }
    }

    /// <summary>
    /// Fencing inside the target's transaction, just before its commit: the target must still be claimed by this
    /// holder. On PostgreSQL the claim row stays share-locked until the commit, so a new claim waits for it.
    /// </summary>
    public async Task EnsureHeldAsync(ITargetSession session, CancellationToken cancellationToken)
    {
        var fence = await session.ReadFenceAsync(cancellationToken);
        if (fence?.Token != _holder.Token)
        {
            throw Lost(fence is null ? "the target was never claimed" : $"the target was claimed since by: {fence.Holder}", NothingCommitted);
        }
    }

    /// <summary>
    /// Runs a ledger write fenced by this lock (the store writes only while the lock is still this holder's, and
    /// answers false otherwise) and stops the operation when it was broken. <paramref name="failing"/> is the
    /// failure the write was recording, kept so the stop does not hide it.
    /// </summary>
    public async Task WriteFencedAsync(Func<LockHolder, Task<bool>> write, Exception? failing = null)
    {
        if (!await write(_holder))
        {
            // When what was being recorded is itself this lock's loss, that message (it says what committed) says more.
            throw failing as LockLostException ?? LostLedgerWrite(failing);
        }
    }

    /// <summary>A ledger write fenced by this lock found it broken: the operation stops where it is.</summary>
    public LockLostException LostLedgerWrite(Exception? failing = null)
    {
        var consequence = IsGroup
            ? GroupStopped
            : "it stopped there and wrote nothing more to the ledger; the next operation on the target settles what it committed from the target's own record (or run: rewind recover)";
        var cause = failing is null ? "" : $" It was recording this failure: {failing.Message.TrimEnd('.')}.";
        return Lost("a ledger write found it gone", consequence + cause, failing);
    }

    private bool IsGroup => IsGroupKey(_holder.Target);

    private const string NothingCommitted = "it stopped before committing: nothing of it reached the target";

    private string GroupStopped => $"it stopped before its next step; the targets it deployed keep their deployments, each with its own record (see: rewind train --group {_holder.Target[GroupPrefix.Length..]})";

    private LockLostException Lost(string now, string consequence, Exception? inner = null) =>
        new($"the lock on {Subject(_holder.Target)} was broken while this {_holder.Operation} ran ({now}), so {consequence.TrimEnd('.')}. See: rewind audit --operation unlock", inner);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _heartbeat;
        }
        catch (OperationCanceledException)
        {
        }

        await _store.ReleaseLockAsync(_holder.Target, _holder.Token, CancellationToken.None);
        _stop.Dispose();
        _lost.Dispose();
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_timings.Heartbeat, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                if (!await _store.RenewLockAsync(_holder.Target, _holder.Token, _time.GetUtcNow() + _timings.Lease, cancellationToken))
                {
                    await _lost.CancelAsync();
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The store did not answer this beat: the lease outlasts several, and the next one tries again.
            }
        }
    }
}
