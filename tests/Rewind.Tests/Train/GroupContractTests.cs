using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.Train;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Train;

/// <summary>
/// Groups and the patch train through the engine and real databases, on every engine (SQLite and PostgreSQL
/// subclasses): staged rollouts and their gates, the train matrix, alignment, divergence, realignment and clear.
/// </summary>
public abstract class GroupContractTests(StorageProvider provider)
{
    private Task<(EngineHarness H, RewindEngine Engine)> GroupAsync(string[][] stages, TimeSpan soak = default, Func<string, IReadOnlyList<CheckConfig>>? checks = null, TimeProvider? time = null) =>
        GroupEngine.CreateAsync(provider, stages, soak, checks, time: time);

    private static Task<GroupDeployResult> RollOutAsync(EngineHarness h, RewindEngine engine, BundleBuilder bundle, bool skipSoak = true) =>
        GroupEngine.RollOutAsync(h, engine, bundle, skipSoak);

    private static BundleBuilder Patch(int n) => GroupEngine.Patch(n);

    [Fact]
    public async Task Second_target_rolled_back_after_bundle_two_misses_three_and_four_then_realigns_and_is_cleared()
    {
        var (h, engine) = await GroupAsync([["env1"], ["env2", "env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        Assert.True((await RollOutAsync(h, engine, Patch(2))).Succeeded);
        await engine.RollbackAsync(new RollbackRequest("env2", "bob", "regression in b2"));

        foreach (var n in new[] { 3, 4 })
        {
            var rollout = await RollOutAsync(h, engine, Patch(n));
            Assert.True(rollout.Succeeded, rollout.StopReason);
            Assert.Equal(["env1", "env3"], rollout.Stages.SelectMany(s => s.Deployed).Select(d => d.Deployment.Target).Order());
            var skipped = Assert.Single(rollout.Stages.SelectMany(s => s.Skipped));
            Assert.Equal("env2", skipped.Target);
            Assert.Contains("off-train", skipped.Reason, StringComparison.Ordinal);
            Assert.Equal(n, rollout.TrainPosition);
        }

        var matrix = await engine.TrainAsync("eu");
        Assert.Equal(["b1", "b2", "b3", "b4"], matrix.Bundles.Select(b => b.BundleId));
        Assert.Equal([TrainCellState.Verified, TrainCellState.RolledBack, TrainCellState.Skipped, TrainCellState.Skipped], matrix.Targets.Single(t => t.Target == "env2").Cells.Select(c => c.State));
        Assert.All(matrix.Targets.Where(t => t.Target != "env2"), t => Assert.Equal(4, t.Position));
        Assert.Equal(1, matrix.Targets.Single(t => t.Target == "env2").Position);

        var plan = await engine.RealignPlanAsync("env2");
        Assert.Equal([2, 3, 4], plan.Steps.Select(s => s.Position));
        Assert.Equal(["b2", "b3", "b4"], plan.Steps.Select(s => s.BundleId));
        Assert.Equal(PriorMatch.Matches, plan.Steps[0].Match);

        var notAdmin = await Assert.ThrowsAsync<RefusedException>(() => engine.ClearAsync("env2", "bob", "looks fine"));
        Assert.Equal("not-authorized", notAdmin.Rule);
        var notAligned = await Assert.ThrowsAsync<RefusedException>(() => engine.ClearAsync("env2", "alice", "looks fine"));
        Assert.Equal("not-aligned", notAligned.Rule);
        Assert.False((await engine.GroupStatusAsync("eu")).Targets.Single(t => t.Target == "env2").Aligned);

        var realigned = await engine.RealignAsync("env2", "alice", "fix for b2 verified");
        Assert.True(realigned.Succeeded, realigned.StopReason);
        Assert.Equal(["b2", "b3", "b4"], realigned.Applied.Select(a => a.Result.Deployment.BundleId));
        Assert.All(realigned.Applied, a => Assert.True(a.Result.Deployment.Realign));
        Assert.All(realigned.Applied, a => Assert.True(a.PriorMatched, $"{a.Step.BundleId}: prior fingerprint differs from the group's"));
        Assert.Equal(TrainState.OffTrain, (await engine.StatusAsync("env2"))[0].State.State);

        var status = await engine.GroupStatusAsync("eu");
        Assert.All(status.Targets, t => Assert.True(t.Aligned, $"{t.Target} not aligned"));
        Assert.Equal(status.Targets.Single(t => t.Target == "env1").Fingerprint, status.Targets.Single(t => t.Target == "env2").Fingerprint);
        Assert.Null((await h.SnapshotAsync("env1")).FirstDifference(await h.SnapshotAsync("env2")));

        var cleared = await engine.ClearAsync("env2", "alice", "realigned to b4");
        Assert.Equal(TrainState.OnTrain, cleared.State);
        Assert.All((await engine.TrainAsync("eu")).Targets, t => Assert.Equal(4, t.Position));
    }

    [Fact]
    public async Task A_failing_check_in_a_stage_rolls_that_stage_back_and_later_stages_never_see_the_bundle()
    {
        var (h, engine) = await GroupAsync([["env1"], ["env2", "env3"], ["env4"]],
            checks: t => t == "env3" ? [new CommandCheck { Name = "stage", Command = "test ! -e fail-env3" }] : []);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        var before = new Dictionary<string, Rewind.Core.Targets.TargetSnapshot>();
        foreach (var t in new[] { "env2", "env3", "env4" })
        {
            before[t] = await h.SnapshotAsync(t);
        }

        await File.WriteAllTextAsync(h.Folder.Combine("fail-env3"), "");
        var rollout = await RollOutAsync(h, engine, Patch(2).SimpleTable("tier", ("rank", "integer")));

        Assert.False(rollout.Succeeded);
        Assert.Equal(2, rollout.StoppedAtStage);
        Assert.Equal(2, rollout.Stages.Count);
        var stage2 = rollout.Stages[1];
        Assert.Equal("failed", stage2.Gate);
        Assert.NotNull(stage2.Deployed.Single(d => d.Deployment.Target == "env3").AutomaticRollback);
        Assert.Equal("env2", Assert.Single(stage2.RolledBack).Deployment.Target);
        foreach (var t in new[] { "env2", "env3", "env4" })
        {
            Assert.Null(before[t].FirstDifference(await h.SnapshotAsync(t)));
        }

        Assert.DoesNotContain(await engine.HistoryAsync("env4"), d => d.BundleId == "b2");
        Assert.Equal(DeploymentStatus.Verified, (await engine.HistoryAsync("env1"))[0].Status);

        // Stage 1 passed its gate, so b2 boarded: env2 and env3 show it rolled back, env4 has not seen it.
        var matrix = await engine.TrainAsync("eu");
        Assert.Equal(["b1", "b2"], matrix.Bundles.Select(b => b.BundleId));
        Assert.Equal(TrainCellState.RolledBack, matrix.Targets.Single(t => t.Target == "env2").Cells[1].State);
        Assert.Equal(TrainCellState.RolledBack, matrix.Targets.Single(t => t.Target == "env3").Cells[1].State);
        Assert.Equal(TrainCellState.NotYet, matrix.Targets.Single(t => t.Target == "env4").Cells[1].State);

        // env4 is on the train but behind it: the next bundle passes it by until it is realigned.
        File.Delete(h.Folder.Combine("fail-env3"));
        var next = await RollOutAsync(h, engine, Patch(3));
        Assert.Contains(next.Stages.SelectMany(s => s.Skipped), s => s.Target == "env4" && s.Reason.Contains("behind", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rollout_that_fails_its_first_stage_never_boards_the_train()
    {
        var (h, engine) = await GroupAsync([["env1"], ["env2"]],
            checks: t => t == "env1" ? [new CommandCheck { Name = "canary", Command = "test ! -e fail-canary" }] : []);
        await using var _ = h;
        await File.WriteAllTextAsync(h.Folder.Combine("fail-canary"), "");

        var rollout = await RollOutAsync(h, engine, Patch(1));

        Assert.Equal(1, rollout.StoppedAtStage);
        Assert.Null(rollout.TrainPosition);
        Assert.Empty((await engine.TrainAsync("eu")).Bundles);
        Assert.Empty(await engine.HistoryAsync("env2"));
    }

    [Fact]
    public async Task A_target_edited_out_of_band_is_reported_as_diverged_gets_its_own_inverse_and_rolls_back_to_its_own_state()
    {
        var (h, engine) = await GroupAsync([["env1", "env2", "env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        Assert.All((await engine.GroupStatusAsync("eu")).Targets, t => Assert.True(t.Aligned));

        await h.ExecuteAsync("""UPDATE rw_records SET body = '{"version":"hand-edited"}' WHERE key = 'approve'""", "env2");
        Assert.False((await engine.GroupStatusAsync("eu")).Targets.Single(t => t.Target == "env2").Aligned);
        var env1Before = await h.SnapshotAsync("env1");
        var env2Before = await h.SnapshotAsync("env2");

        var rollout = await RollOutAsync(h, engine, Patch(2));

        Assert.True(rollout.Succeeded, rollout.StopReason);
        var diverged = Assert.Single(rollout.Diverged);
        Assert.Equal("env2", diverged.Target);
        var inverses = rollout.Stages[0].Deployed.ToDictionary(d => d.Deployment.Target, d => d.Deployment.InverseDigest);
        Assert.Equal(inverses["env1"], inverses["env3"]);
        Assert.NotEqual(inverses["env1"], inverses["env2"]);

        await engine.RollbackAsync(new RollbackRequest("env2", "bob", "back"));
        await engine.RollbackAsync(new RollbackRequest("env1", "bob", "back"));
        Assert.Null(env2Before.FirstDifference(await h.SnapshotAsync("env2")));
        Assert.Null(env1Before.FirstDifference(await h.SnapshotAsync("env1")));
        Assert.Equal("""{"version":"hand-edited"}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'approve'", "env2"));
        Assert.Equal("""{"version":1}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'approve'", "env1"));
    }

    [Fact]
    public async Task The_gate_waits_the_soak_and_checks_again_and_a_skipped_soak_is_audited()
    {
        // The check passes when the deploy verifies, fails when run again after the soak, passes after the rollback.
        // The soak runs on the engine's clock: the test advances it instead of waiting it out.
        var clock = new WatchedClock();
        var soak = TimeSpan.FromMinutes(30);
        var (h, engine) = await GroupAsync([["env1"], ["env2"]], soak: soak,
            checks: t => t == "env1" ? [new CommandCheck { Name = "slow-regression", Command = "n=$(cat calls 2>/dev/null || echo 0); echo $((n+1)) > calls; test $n -ne 1" }] : [], time: clock);
        await using var _ = h;

        var rolling = RollOutAsync(h, engine, Patch(1), skipSoak: false);
        await clock.WaitingAsync(soak);
        clock.Advance(soak - TimeSpan.FromSeconds(1));
        await Task.Yield();

        // A second short of the soak, the stage has not been checked again and the rollout is still waiting.
        Assert.Equal("1", (await File.ReadAllTextAsync(h.Folder.Combine("calls"))).Trim());
        Assert.False(rolling.IsCompleted, "the rollout did not wait out its soak");
        clock.Advance(TimeSpan.FromSeconds(1));
        var rollout = await rolling;

        Assert.Equal(1, rollout.StoppedAtStage);
        Assert.Equal("failed after the soak", rollout.Stages[0].Gate);
        Assert.Equal("env1", Assert.Single(rollout.Stages[0].RolledBack).Deployment.Target);
        Assert.Empty(await engine.HistoryAsync("env2"));

        await engine.ClearAsync("env1", "alice", "regression understood");
        var skipped = await RollOutAsync(h, engine, Patch(2), skipSoak: true);
        Assert.True(skipped.Succeeded, skipped.StopReason);
        Assert.Contains("skipped (--skip-soak)", skipped.Stages[0].Gate, StringComparison.Ordinal);
        var audit = await engine.AuditLog.ReadAsync(new AuditQuery(Operation: "deploy-group"));
        Assert.Contains(audit, e => e.Detail?.Contains("soak skipped (--skip-soak)", StringComparison.Ordinal) == true && e.Outcome == "succeeded");
    }

    [Fact]
    public async Task A_second_rollout_to_a_group_is_refused_while_one_is_running_and_names_the_way_to_unlock()
    {
        var clock = new WatchedClock();
        var soak = TimeSpan.FromMinutes(30);
        var (h, engine) = await GroupAsync([["env1"], ["env2"]], soak: soak, time: clock);
        await using var _ = h;

        // The first rollout is in its soak (a barrier, not a sleep) and holds the group's lock until the clock moves.
        var first = RollOutAsync(h, engine, Patch(1), skipSoak: false);
        await clock.WaitingAsync(soak);
        Assert.Single(await engine.HistoryAsync("env1"));

        // Both would build on the same train head: the second waits its turn instead of interleaving positions.
        var busy = await Assert.ThrowsAsync<RefusedException>(() => RollOutAsync(h, engine, Patch(2)));
        Assert.Equal("busy", busy.Rule);
        Assert.Contains("group eu is busy: deploy-group by bob", busy.Message, StringComparison.Ordinal);
        Assert.Contains("rewind unlock --group eu", busy.Message, StringComparison.Ordinal);

        clock.Advance(soak);
        Assert.True((await first).Succeeded);
        var second = await RollOutAsync(h, engine, Patch(2));
        Assert.True(second.Succeeded, second.StopReason);
        Assert.Equal(2, second.TrainPosition);
    }

    [Fact]
    public async Task A_rollout_whose_group_lock_is_broken_mid_stage_deploys_no_further_target_and_never_boards()
    {
        // env1's check hangs until the test lets it go: the rollout is stuck in the middle of its only stage.
        var (h, engine) = await GroupAsync([["env1", "env2"]],
            checks: t => t == "env1" ? [new CommandCheck { Name = "hang", Command = "touch checking; while [ ! -f go ]; do sleep 0.05; done", Timeout = TimeSpan.FromSeconds(60) }] : []);
        await using var _ = h;
        var rollout = RollOutAsync(h, engine, Patch(1));
        for (var waited = 0; !File.Exists(h.Folder.Combine("checking")); waited++)
        {
            Assert.True(waited < 600 && !rollout.IsCompleted, "the rollout never reached env1's check");
            await Task.Delay(50);
        }

        await engine.UnlockGroupAsync("eu", "ada", "rollout hung in a check");
        await File.WriteAllTextAsync(h.Folder.Combine("go"), "");

        var lost = await Assert.ThrowsAsync<LockLostException>(() => rollout);
        Assert.Contains("the lock on group eu was broken while this deploy-group ran", lost.Message, StringComparison.Ordinal);
        Assert.Empty(await engine.HistoryAsync("env2"));
        Assert.Empty((await engine.TrainAsync("eu")).Bundles);
    }

    [Fact]
    public async Task Clear_with_force_lifts_the_hold_of_a_diverged_target_and_records_that_it_was_forced()
    {
        var (h, engine) = await GroupAsync([["env1", "env2"]]);
        await using var _ = h;
        await RollOutAsync(h, engine, Patch(1));
        await RollOutAsync(h, engine, Patch(2));
        await engine.RollbackAsync(new RollbackRequest("env2", "bob", "regression"));

        await Assert.ThrowsAsync<RefusedException>(() => engine.ClearAsync("env2", "alice", "accepting the divergence"));
        var cleared = await engine.ClearAsync("env2", "alice", "accepting the divergence", force: true);

        Assert.Equal(TrainState.OnTrain, cleared.State);
        Assert.StartsWith("cleared (forced", cleared.Reason, StringComparison.Ordinal);
        var entry = (await engine.AuditLog.ReadAsync(new AuditQuery(Target: "env2", Operation: "clear")))[^1];
        Assert.Equal("succeeded", entry.Outcome);
        Assert.StartsWith("forced", entry.Detail, StringComparison.Ordinal);
    }
}

public sealed class SqliteGroupContractTests() : GroupContractTests(new SqliteProvider());
