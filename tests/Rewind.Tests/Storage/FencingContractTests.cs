using Rewind.Cli.Composition;
using Rewind.Core;
using Rewind.Core.Locks;
using Rewind.Core.Targets;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Storage;

/// <summary>
/// Fencing, on every engine: once an admin breaks a hung operation's lock (<c>rewind unlock</c>) and another
/// operation takes it, nothing the first one still does reaches the target or the ledger. The target keeps the
/// claim of the holder that may write it, checked inside the commit's own transaction; ledger writes are
/// conditional on the lock in the same statement. No window is left between a check and a write.
/// </summary>
public abstract class FencingContractTests(StorageProvider provider)
{
    private static readonly TimeProvider Time = TimeProvider.System;

    [Fact]
    public async Task A_holder_whose_lock_was_broken_can_neither_commit_to_the_target_nor_write_the_ledger_and_its_successor_can()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var ledger = RewindHost.OpenControlPlane(h.Config.Store);
        await using var target = h.OpenTarget();
        var deployment = new Deployment { Id = "d9001", Target = "env1", BundleId = "one", BundleDigest = "sha256:1", Who = "alice", Status = DeploymentStatus.Applying };
        Assert.True(await ledger.InsertDeploymentAsync(deployment, heldLock: null));

        var first = await TargetLock.AcquireAsync(ledger, Time, "env1", "deploy", "alice", CancellationToken.None);
        await first.ClaimAsync(target, CancellationToken.None);
        await h.Engine.UnlockAsync("env1", "ada", "deploy hung on its hook");
        await using var second = await TargetLock.AcquireAsync(ledger, Time, "env1", "rollback", "bob", CancellationToken.None);
        await second.ClaimAsync(target, CancellationToken.None);

        // The first holder wakes up. Its transaction cannot commit...
        await using (var session = await target.BeginAsync())
        {
            await session.WriteMarkerAsync(Marker("d9001"));
            var lost = await Assert.ThrowsAsync<LockLostException>(() => first.EnsureHeldAsync(session, CancellationToken.None));
            Assert.Contains("the lock on target env1 was broken while this deploy ran", lost.Message, StringComparison.Ordinal);
            Assert.Contains("claimed since by: rollback by bob", lost.Message, StringComparison.Ordinal);
        }

        // ...and none of its ledger writes lands, while its successor's do.
        Assert.False(await ledger.UpdateDeploymentAsync(deployment with { Status = DeploymentStatus.Verified }, first.Holder));
        Assert.False(await ledger.InsertDeploymentAsync(deployment with { Id = "d9002" }, first.Holder));
        Assert.False(await ledger.SaveAsync(deployment with { Status = DeploymentStatus.Verified }, TargetState.OnTrain("env1") with { Reason = "by the first" }, first.Holder));
        Assert.True(await ledger.UpdateDeploymentAsync(deployment with { Status = DeploymentStatus.Failed }, second.Holder));
        Assert.True(await ledger.SaveAsync(null, TargetState.OnTrain("env1") with { Reason = "by the second" }, second.Holder));
        Assert.Equal([("d9001", DeploymentStatus.Failed)], (await ledger.GetDeploymentsAsync("env1")).Select(d => (d.Id, d.Status)));
        Assert.Equal("by the second", (await ledger.GetTargetStateAsync("env1")).Reason);

        await using (var session = await target.BeginAsync())
        {
            await second.EnsureHeldAsync(session, CancellationToken.None);
            await session.WriteMarkerAsync(Marker("d9003"));
            await session.CommitAsync();
        }

        await using (var session = await target.BeginAsync())
        {
            Assert.Null(await session.ReadMarkerAsync("d9001"));
            Assert.NotNull(await session.ReadMarkerAsync("d9003"));
        }

        // The first holder letting go does not free its successor's lock.
        await first.DisposeAsync();
        Assert.Equal(second.Holder.Token, (await ledger.GetLockAsync("env1"))?.Token);
    }

    [Fact]
    public async Task A_claim_waits_for_the_open_transaction_of_the_previous_holder_so_its_commit_is_never_overtaken()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var ledger = RewindHost.OpenControlPlane(h.Config.Store);
        await using var target = h.OpenTarget();
        await using var first = await TargetLock.AcquireAsync(ledger, Time, "env1", "deploy", "alice", CancellationToken.None);
        await first.ClaimAsync(target, CancellationToken.None);

        Task claim;
        await using (var session = await target.BeginAsync())
        {
            await session.WriteMarkerAsync(Marker("d9001"));

            // The lock is broken and taken while the first holder's transaction is open: the new claim must wait
            // for it, or the first could commit after the new holder has read the target.
            await h.Engine.UnlockAsync("env1", "ada", "looks hung");
            var second = await TargetLock.AcquireAsync(ledger, Time, "env1", "rollback", "bob", CancellationToken.None);
            claim = Task.Run(async () =>
            {
                await using var held = second;
                await second.ClaimAsync(target, CancellationToken.None);
                await using var next = await target.BeginAsync();
                Assert.NotNull(await next.ReadMarkerAsync("d9001"));
            });
            await Task.Delay(300);
            Assert.False(claim.IsCompleted, "the new claim did not wait for the open transaction");

            await first.EnsureHeldAsync(session, CancellationToken.None);
            await session.CommitAsync();
        }

        await claim;
    }

    [Fact]
    public async Task A_deploy_whose_lock_is_broken_mid_apply_writes_nothing_more_and_the_next_operation_settles_it_from_the_target()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(Rules("one", "v1"));
        var before = await h.SnapshotAsync();

        var lost = await DeployLosingItsLockMidApplyAsync(h, Rules("two", "v2"));
        Assert.Contains("a ledger write found it gone", lost.Message, StringComparison.Ordinal);

        // It committed its transaction (the successor had not claimed the target yet) but wrote nothing after:
        // the ledger still says applying, and nothing it did afterwards (verification) is recorded.
        var stopped = (await h.Engine.HistoryAsync("env1"))[0];
        Assert.Equal(("two", DeploymentStatus.Applying), (stopped.BundleId, stopped.Status));
        Assert.Null(stopped.FinishedAt);

        var settled = await h.Engine.RecoverTargetAsync("env1", "bob");
        Assert.Equal([(stopped.Id, DeploymentStatus.Verified)], settled.Select(d => (d.Id, d.Status)));
        await h.RollbackAsync();
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Recover_never_verifies_a_deployment_a_newer_one_was_deployed_over()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(Rules("one", "v1"));
        await DeployLosingItsLockMidApplyAsync(h, Rules("two", "v2"));
        var three = await h.DeployAsync(Rules("three", "v3"));
        var afterThree = await h.SnapshotAsync();

        // Two was settled as applied but never verified; three is verified on top of it. Verifying two now would
        // run checks against three, and a failure would roll two back from under three.
        var settled = await h.Engine.RecoverTargetAsync("env1", "bob");

        var two = Assert.Single(settled);
        Assert.Equal(("two", DeploymentStatus.Applied), (two.BundleId, two.Status));
        Assert.StartsWith($"never verified: {three.Deployment.Id} (three) was deployed on top of it first", two.Error, StringComparison.Ordinal);
        Assert.Null(afterThree.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal([("three", DeploymentStatus.Verified), ("two", DeploymentStatus.Applied), ("one", DeploymentStatus.Verified)],
            (await h.Engine.HistoryAsync("env1")).Select(d => (d.BundleId, d.Status)));
        Assert.Empty(await h.Engine.RecoverTargetAsync("env1", "bob"));

        // Later, a rollback of two is interrupted before it commits: recovery restores two as applied, not as
        // verified (its record says it never was). Rolling three back lands on two, which never verified: only as a
        // step of rollback --to one.
        await h.Engine.RollbackAsync(new RollbackRequest("env1", "tester", "test") { Toward = "d0001" });
        await LosingTheLockMidApplyAsync(h, progress => h.Engine.RollbackAsync(new RollbackRequest("env1", "tester", "test"), progress));
        await h.Engine.RecoverTargetAsync("env1", "bob");
        Assert.Equal(DeploymentStatus.Applied, (await h.Engine.HistoryAsync("env1")).Single(d => d.BundleId == "two").Status);
    }

    [Fact]
    public async Task Recover_verifies_the_deployment_that_is_on_top_once_the_newest_failed_and_rolled_itself_back()
    {
        // The check fails while version 3 is live: three will fail its verification, two pass it.
        await using var h = await EngineHarness.CreateAsync(provider, t => t with
        {
            Checks = [new SqlCheck { Name = "not three", Sql = "SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%v3%'" }],
        });
        await h.DeployAsync(Rules("one", "v1"));
        await DeployLosingItsLockMidApplyAsync(h, Rules("two", "v2"));
        var afterTwo = await h.SnapshotAsync();
        await DeployLosingItsLockMidApplyAsync(h, Rules("three", "v3"));

        var settled = await h.Engine.RecoverTargetAsync("env1", "bob");

        Assert.Equal([("three", DeploymentStatus.RolledBack), ("two", DeploymentStatus.Verified)], settled.Select(d => (d.BundleId, d.Status)));
        Assert.Equal([DeploymentStatus.RolledBack, DeploymentStatus.Verified, DeploymentStatus.Verified], (await h.Engine.HistoryAsync("env1")).Select(d => d.Status));
        Assert.Null(afterTwo.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task A_rollback_whose_lock_is_broken_mid_apply_commits_nothing_and_says_so()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(Rules("one", "v1"));
        await h.DeployAsync(Rules("two", "v2"));
        var afterTwo = await h.SnapshotAsync();
        var engine = await NotifyingEngineAsync(h);

        // Its last ledger write before the commit (the live-edit record) finds the lock gone: no commit follows.
        await LosingTheLockMidApplyAsync(h, progress => engine.RollbackAsync(new RollbackRequest("env1", "tester", "test"), progress));

        Assert.Null(afterTwo.FirstDifference(await h.SnapshotAsync()));
        await engine.RecoverTargetAsync("env1", "bob");
        Assert.Equal([DeploymentStatus.Verified, DeploymentStatus.Verified], (await engine.HistoryAsync("env1")).Select(d => d.Status));
        Assert.Equal(["rollback-started", "rollback-failed stopped: lock broken; nothing changed"], await EventsAsync(h));
    }

    [Fact]
    public async Task A_rollback_whose_lock_is_broken_after_its_inverse_committed_says_who_finishes_it_and_recovery_does()
    {
        // The post-rollback check hangs while the file "arm" exists: the rollback has committed and is verifying.
        await using var h = await EngineHarness.CreateAsync(provider, t => t with
        {
            Checks = [new CommandCheck { Name = "hang", Command = "if [ -f arm ]; then touch checking; while [ ! -f go ]; do sleep 0.05; done; fi", Timeout = TimeSpan.FromSeconds(60) }],
        });
        await h.DeployAsync(Rules("one", "v1"));
        var before = await h.SnapshotAsync();
        await h.DeployAsync(Rules("two", "v2"));
        var engine = await NotifyingEngineAsync(h);
        await File.WriteAllTextAsync(h.Folder.Combine("arm"), "");

        var rollback = engine.RollbackAsync(new RollbackRequest("env1", "tester", "test"));
        for (var waited = 0; !File.Exists(h.Folder.Combine("checking")); waited++)
        {
            Assert.True(waited < 600 && !rollback.IsCompleted, "the rollback never reached its check");
            await Task.Delay(50);
        }

        await h.Engine.UnlockAsync("env1", "ada", "rollback hung in a check");
        File.Delete(h.Folder.Combine("arm"));
        await File.WriteAllTextAsync(h.Folder.Combine("go"), "");
        await Assert.ThrowsAsync<LockLostException>(() => rollback);

        // The target is back, the ledger still says rolling back: the next operation finishes it from the marker.
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(DeploymentStatus.RollingBack, (await engine.HistoryAsync("env1"))[0].Status);
        await engine.RecoverTargetAsync("env1", "bob");
        Assert.Equal([DeploymentStatus.RolledBack, DeploymentStatus.Verified], (await engine.HistoryAsync("env1")).Select(d => d.Status));
        Assert.Equal(TrainState.OffTrain, (await engine.StatusAsync("env1"))[0].State.State);
        Assert.Equal(
            ["rollback-started", "rollback-failed stopped: lock broken after the inverse was committed; the next operation on the target finishes it", "rollback-completed rolled-back"],
            await EventsAsync(h));
    }

    /// <summary>The harness's engine, sending every notification to a command that appends it to events.log.</summary>
    private static Task<RewindEngine> NotifyingEngineAsync(EngineHarness h) =>
        RewindHost.CreateEngineAsync(h.Config with { Notify = new NotifyConfig { Commands = ["echo \"$REWIND_EVENT $REWIND_OUTCOME\" >> events.log"] } });

    private static async Task<IEnumerable<string>> EventsAsync(EngineHarness h) =>
        (await File.ReadAllLinesAsync(h.Folder.Combine("events.log"))).Select(e => e.Trim());

    private static Task<LockLostException> DeployLosingItsLockMidApplyAsync(EngineHarness h, BundleBuilder bundle) =>
        LosingTheLockMidApplyAsync(h, progress => h.Engine.DeployAsync(new DeployRequest(h.Write(bundle), "env1", "tester", "test"), progress));

    /// <summary>Runs an operation while, at its apply's first progress report, an admin breaks the lock and another operation takes it in the ledger.</summary>
    internal static async Task<LockLostException> LosingTheLockMidApplyAsync(EngineHarness h, Func<IProgress<OperationProgress>, Task> operation)
    {
        var ledger = RewindHost.OpenControlPlane(h.Config.Store);
        TargetLock? successor = null;
        var progress = new InlineProgress(_ =>
        {
            if (successor is null)
            {
                h.Engine.UnlockAsync("env1", "ada", "deploy looks hung").GetAwaiter().GetResult();
                successor = TargetLock.AcquireAsync(ledger, Time, "env1", "recover", "bob", CancellationToken.None).GetAwaiter().GetResult();
            }
        });
        try
        {
            return await Assert.ThrowsAsync<LockLostException>(() => operation(progress));
        }
        finally
        {
            Assert.NotNull(successor);
            await successor.DisposeAsync();
        }
    }

    private static DeploymentMarker Marker(string id) => new(id, "one", "sha256:1", "sha256:2", DateTimeOffset.UtcNow, null);

    private static BundleBuilder Rules(string id, string version)
    {
        var builder = new BundleBuilder(id);
        for (var i = 0; i < 50; i++)
        {
            builder.Upsert("platform", "rule", $"r{i:D3}", $$"""{"version":"{{version}}"}""");
        }

        return builder;
    }
}

public sealed class SqliteFencingContractTests() : FencingContractTests(new SqliteProvider());
