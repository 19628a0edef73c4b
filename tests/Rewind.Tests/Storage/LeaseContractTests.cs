using Rewind.Cli.Composition;
using Rewind.Core;
using Rewind.Core.ControlPlane;
using Rewind.Core.Locks;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Storage;

/// <summary>
/// A lock's lease and heartbeat, on every engine, on a clock the test moves: a live holder renews its lease every
/// heartbeat, a holder that stopped beating is replaced once its lease ran out (never before), and a holder whose lock
/// was broken finds out at its next heartbeat and stops what it runs. Nothing here waits on the wall clock.
/// </summary>
public abstract class LeaseContractTests(StorageProvider provider)
{
    private static readonly LockTimings Timings = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_holder_that_stopped_beating_is_replaced_once_its_lease_ran_out_and_not_a_tick_before()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var ledger = RewindHost.OpenControlPlane(h.Config.Store);
        var clock = new WatchedClock();
        var now = clock.GetUtcNow();
        // Another host's holder: only its lease says whether it is alive.
        Assert.Null(await ledger.TryAcquireLockAsync(new LockHolder("env1", "elsewhere", "deploy", "alice", "other-host", 1, now, now + Timings.Lease), _ => false));

        clock.Advance(Timings.Lease);
        var busy = await Assert.ThrowsAsync<RefusedException>(() => TargetLock.AcquireAsync(ledger, clock, Timings, "env1", "rollback", "bob", CancellationToken.None));
        Assert.Contains("target env1 is busy: deploy by alice", busy.Message, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromTicks(1));
        await using var taken = await TargetLock.AcquireAsync(ledger, clock, Timings, "env1", "rollback", "bob", CancellationToken.None);
        Assert.Equal(taken.Holder.Token, (await ledger.GetLockAsync("env1"))!.Token);
        Assert.Equal(clock.GetUtcNow() + Timings.Lease, taken.Holder.ExpiresAt);
    }

    [Fact]
    public async Task A_live_holder_renews_its_lease_every_heartbeat_so_it_outlives_its_first_expiry()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var ledger = RewindHost.OpenControlPlane(h.Config.Store);
        var clock = new WatchedClock();
        await using var held = await HoldAsync(ledger, clock);
        var first = held.Holder.ExpiresAt;

        // Seven beats carry it past its first lease: each renewal moves the expiry a lease past that beat.
        for (var beat = 1; beat <= 7; beat++)
        {
            clock.Advance(Timings.Heartbeat);
            await RenewedAsync(ledger, clock.GetUtcNow() + Timings.Lease);
        }

        Assert.True(clock.GetUtcNow() > first);
        var busy = await Assert.ThrowsAsync<RefusedException>(() => TargetLock.AcquireAsync(ledger, clock, Timings, "env1", "rollback", "bob", CancellationToken.None));
        Assert.Contains("target env1 is busy: deploy by alice", busy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_holder_whose_lock_was_broken_stops_what_it_runs_at_its_next_heartbeat()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var ledger = RewindHost.OpenControlPlane(h.Config.Store);
        var clock = new WatchedClock();
        await using var held = await HoldAsync(ledger, clock);

        // A hung step: it ends only when its token is cancelled.
        var hung = held.RunWhileHeldAsync(async ct =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, clock, ct);
            return true;
        }, CancellationToken.None);
        await h.Engine.UnlockAsync("env1", "ada", "deploy hung on its hook");
        Assert.False(hung.IsCompleted, "the step stopped before any heartbeat");

        clock.Advance(Timings.Heartbeat);
        var lost = await Assert.ThrowsAsync<LockLostException>(() => hung.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("the lock on target env1 was broken while this deploy ran (its heartbeat found it gone), so it killed the command it was running", lost.Message, StringComparison.Ordinal);
    }

    /// <summary>alice's deploy lock on env1, once its heartbeat is waiting on <paramref name="clock"/>.</summary>
    private static async Task<TargetLock> HoldAsync(IControlPlaneStore ledger, WatchedClock clock)
    {
        var beating = clock.WaitingAsync(Timings.Heartbeat);
        var held = await TargetLock.AcquireAsync(ledger, clock, Timings, "env1", "deploy", "alice", CancellationToken.None);
        await beating;
        return held;
    }

    /// <summary>The heartbeat's renewal is a write on its own task: wait (bounded) until the ledger holds it.</summary>
    private static async Task RenewedAsync(IControlPlaneStore ledger, DateTimeOffset expiresAt)
    {
        for (var polls = 0; (await ledger.GetLockAsync("env1"))?.ExpiresAt != expiresAt; polls++)
        {
            Assert.True(polls < 2000, $"the heartbeat never renewed the lease to {expiresAt:O}");
            await Task.Yield();
        }
    }
}

public sealed class SqliteLeaseContractTests() : LeaseContractTests(new SqliteProvider());
