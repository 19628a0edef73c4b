using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.Targets;
using Rewind.Core.Train;
using Rewind.Tests.Support;
using static Rewind.Tests.Support.GroupEngine;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Train;

/// <summary>
/// Whole-group rollback at 3 AM, on every engine: the train head rolled back on every member, last stage first, each
/// its own rollback; planned for every member before any runs; the train head moves back.
/// </summary>
public abstract class GroupRollbackContractTests(StorageProvider provider)
{
    private static readonly string[] Members = ["env1", "env2", "env3"];

    private async Task<Dictionary<string, TargetSnapshot>> SnapshotsAsync(EngineHarness h)
    {
        var snapshots = new Dictionary<string, TargetSnapshot>();
        foreach (var t in Members)
        {
            snapshots[t] = await h.SnapshotAsync(t);
        }

        return snapshots;
    }

    [Fact]
    public async Task After_a_three_stage_rollout_every_member_rolls_back_last_stage_first_stays_on_train_and_the_head_moves_back()
    {
        var (h, engine) = await CreateAsync(provider, [["env1"], ["env2"], ["env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        var atB1 = await SnapshotsAsync(h);
        Assert.True((await RollOutAsync(h, engine, Patch(2).SimpleTable("tier", ("rank", "integer")))).Succeeded);

        var result = await engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9: b2 breaks checkout"));

        Assert.True(result.Succeeded);
        Assert.Equal(["env3", "env2", "env1"], result.Members.Select(m => m.Target));
        Assert.All(result.Members, m => Assert.Equal("rolled-back", m.Outcome));
        var rolledBackAt = result.Members.Select(m => m.Result!.Deployment.RolledBackAt!.Value).ToList();
        Assert.Equal(rolledBackAt.Order(), rolledBackAt);
        Assert.Equal((2, 1), (result.FromHead, result.ToHead));
        Assert.Equal(["b1"], (await engine.TrainAsync("eu")).Bundles.Select(b => b.BundleId));
        foreach (var t in Members)
        {
            Assert.Null(atB1[t].FirstDifference(await h.SnapshotAsync(t)));
            Assert.Equal(TrainState.OnTrain, (await engine.StatusAsync(t))[0].State.State);
            Assert.Equal((DeploymentStatus.RolledBack, "eu"), ((await engine.HistoryAsync(t))[0].Status, (await engine.HistoryAsync(t))[0].RolledBackWithGroup));
        }

        var entry = (await engine.AuditLog.ReadAsync(new AuditQuery(Operation: "rollback-group")))[^1];
        Assert.Equal(("succeeded", "INC-9: b2 breaks checkout"), (entry.Outcome, entry.Reason));
        Assert.Equal(3, (await engine.AuditLog.ReadAsync(new AuditQuery(Operation: "rollback"))).Count(e => e.Reason == "INC-9: b2 breaks checkout"));

        // The group moved back together: the next rollout reaches every member at the new head.
        var next = await RollOutAsync(h, engine, Patch(3));
        Assert.True(next.Succeeded, next.StopReason);
        Assert.Empty(next.Stages.SelectMany(s => s.Skipped));
        Assert.Equal(2, next.TrainPosition);
    }

    [Fact]
    public async Task A_member_whose_newest_deployment_is_something_else_refuses_the_whole_group_and_members_leaving_it_out_rolls_back_the_rest()
    {
        var (h, engine) = await CreateAsync(provider, [["env1"], ["env2"], ["env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        Assert.True((await RollOutAsync(h, engine, Patch(2))).Succeeded);
        var hotfix = await engine.DeployAsync(new DeployRequest(h.Write(Patch(9)), "env2", "bob", "partner hotfix") { OutsideTrain = true });
        var before = await SnapshotsAsync(h);

        var refused = await Assert.ThrowsAsync<RefusedException>(() => engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9")));

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains($"env2: b2 ({(await engine.HistoryAsync("env2"))[1].Id}) is not its newest deployment: {hotfix.Deployment.Id} (b9", refused.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--members env1,env3", refused.Message, StringComparison.Ordinal);
        foreach (var t in Members)
        {
            Assert.Null(before[t].FirstDifference(await h.SnapshotAsync(t)));
        }

        Assert.Equal(["b1", "b2"], (await engine.TrainAsync("eu")).Bundles.Select(b => b.BundleId));
        Assert.Equal("refused:group-member-refused", (await engine.AuditLog.ReadAsync(new AuditQuery(Operation: "rollback-group")))[^1].Outcome);

        var rest = await engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9", ["env1", "env3"]));

        Assert.True(rest.Succeeded);
        Assert.Equal([("env3", "rolled-back"), ("env1", "rolled-back"), ("env2", "left-out")], rest.Members.Select(m => (m.Target, m.Outcome)));
        Assert.Equal(["b1"], (await engine.TrainAsync("eu")).Bundles.Select(b => b.BundleId));
        Assert.Null(before["env2"].FirstDifference(await h.SnapshotAsync("env2")));
        Assert.Equal(TrainState.Diverged, (await engine.StatusAsync("env2"))[0].State.State);
        Assert.Empty(rest.Diverged);
    }

    [Fact]
    public async Task A_healthy_member_left_out_still_runs_the_bundle_that_left_the_train_and_is_marked_diverged()
    {
        var (h, engine) = await CreateAsync(provider, [["env1", "env2"], ["env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        Assert.True((await RollOutAsync(h, engine, Patch(2))).Succeeded);
        await Assert.ThrowsAsync<BadInputException>(() => engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9", ["env1", "nope"])));

        var result = await engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9", ["env1", "env2"]));

        Assert.Equal([("env2", "rolled-back"), ("env1", "rolled-back"), ("env3", "left-out")], result.Members.Select(m => (m.Target, m.Outcome)));
        Assert.Equal(["env3"], result.Diverged);
        var env3 = (await engine.StatusAsync("env3"))[0].State;
        Assert.Equal(TrainState.Diverged, env3.State);
        Assert.Contains("left group eu's train", env3.Reason, StringComparison.Ordinal);
        var next = await RollOutAsync(h, engine, Patch(3));
        Assert.Equal(("env3", "diverged"), next.Stages.SelectMany(s => s.Skipped).Select(s => (s.Target, s.State)).Single());
    }

    [Fact]
    public async Task A_left_out_member_keeps_running_the_bundle_when_it_boards_again_so_the_train_does_not_show_it_missed_and_realign_offers_nothing()
    {
        var (h, engine) = await CreateAsync(provider, [["env1", "env2"], ["env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        Assert.True((await RollOutAsync(h, engine, Patch(2))).Succeeded);
        await engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9", ["env1", "env2"]));

        // The same bundle, fixed elsewhere, boards again: env3 (diverged) is passed by, but it still runs it.
        var again = await RollOutAsync(h, engine, Patch(2));
        Assert.Equal("env3", again.Stages.SelectMany(s => s.Skipped).Single().Target);

        var env3 = (await engine.TrainAsync("eu")).Targets.Single(t => t.Target == "env3");
        Assert.Equal((2, TrainState.Diverged), (env3.Position, env3.State.State));
        Assert.Equal([TrainCellState.Verified, TrainCellState.Verified], env3.Cells.Select(c => c.State));
        Assert.Empty((await engine.RealignPlanAsync("env3")).Steps);
        Assert.Equal(["env1 True", "env2 True", "env3 True"], (await engine.GroupStatusAsync("eu")).Targets.Select(t => $"{t.Target} {t.Aligned}"));
    }

    [Fact]
    public async Task A_left_out_member_still_running_the_rows_of_a_bundle_that_left_the_train_is_not_aligned()
    {
        var (h, engine) = await CreateAsync(provider, [["env1", "env2"], ["env3"]], platformTables: ["feature_flag"]);
        await using var _ = h;
        foreach (var t in Members)
        {
            await h.ExecuteAsync("CREATE TABLE feature_flag (name TEXT PRIMARY KEY, enabled INTEGER)", t);
        }

        Assert.True((await RollOutAsync(h, engine, new BundleBuilder("b1").RowUpsert("feature_flag", """{"name":"checkout_v2","enabled":1}"""))).Succeeded);
        Assert.True((await RollOutAsync(h, engine, new BundleBuilder("b2").RowUpsert("feature_flag", """{"name":"one_click","enabled":1}"""))).Succeeded);

        await engine.RollbackGroupAsync(new GroupRollbackRequest("eu", "ada", "INC-9", ["env1", "env2"]));

        var status = await engine.GroupStatusAsync("eu");
        Assert.Equal(["env1 True", "env2 True", "env3 False"], status.Targets.Select(t => $"{t.Target} {t.Aligned}"));
        Assert.Empty((await engine.RealignPlanAsync("env3")).Steps);
    }
}

public sealed class SqliteGroupRollbackContractTests() : GroupRollbackContractTests(new SqliteProvider());
