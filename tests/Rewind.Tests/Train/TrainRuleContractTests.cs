using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Tests.Support;
using static Rewind.Tests.Support.GroupEngine;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Train;

/// <summary>
/// The train is respected (seed 003, on every engine): a member of a group takes bundles through its group; a deploy
/// to it alone is refused unless it is the audited exception, which leaves it diverged, and group rollouts pass a
/// diverged member by and say so.
/// </summary>
public abstract class TrainRuleContractTests(StorageProvider provider)
{
    [Fact]
    public async Task Deploy_to_a_member_is_refused_unless_outside_train_with_a_reason_which_diverges_it_and_the_next_rollout_skips_it()
    {
        var (h, engine) = await CreateAsync(provider, [["env1"], ["env2"], ["env3"]]);
        await using var _ = h;
        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        var before = await h.SnapshotAsync("env2");

        var refused = await Assert.ThrowsAsync<RefusedException>(() => engine.DeployAsync(new DeployRequest(h.Write(Patch(2)), "env2", "bob", "hotfix")));
        Assert.Equal("outside-train", refused.Rule);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("member of group eu", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--group eu", refused.Message, StringComparison.Ordinal);
        var noReason = await Assert.ThrowsAsync<BadInputException>(() => engine.DeployAsync(new DeployRequest(h.Write(Patch(2)), "env2", "bob", null) { OutsideTrain = true }));
        Assert.Contains("--reason", noReason.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync("env2")));
        Assert.Single(await engine.HistoryAsync("env2"));
        Assert.Equal(TrainState.OnTrain, (await engine.StatusAsync("env2"))[0].State.State);

        var outside = await engine.DeployAsync(new DeployRequest(h.Write(Patch(2)), "env2", "bob", "partner hotfix, INC-7") { OutsideTrain = true });

        Assert.True(outside.Succeeded);
        var state = (await engine.StatusAsync("env2"))[0].State;
        Assert.Equal(TrainState.Diverged, state.State);
        Assert.Equal("diverged", state.StateName);
        Assert.Contains("partner hotfix, INC-7", state.Reason, StringComparison.Ordinal);
        var entry = (await engine.AuditLog.ReadAsync(new AuditQuery(Target: "env2", Operation: "deploy")))[^1];
        Assert.Equal("partner hotfix, INC-7", entry.Reason);
        Assert.Equal("succeeded", entry.Outcome);
        Assert.Contains("outside group eu's train", entry.Detail, StringComparison.Ordinal);
        Assert.Equal("""{"version":2}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'approve'", "env2"));

        var next = await RollOutAsync(h, engine, Patch(3));

        Assert.True(next.Succeeded, next.StopReason);
        Assert.Equal(["env1", "env3"], next.Stages.SelectMany(s => s.Deployed).Select(d => d.Deployment.Target));
        var skipped = Assert.Single(next.Stages.SelectMany(s => s.Skipped));
        Assert.Equal(("env2", "diverged"), (skipped.Target, skipped.State));
        Assert.Contains("outside group eu's train", skipped.Reason, StringComparison.Ordinal);
        Assert.Equal("""{"version":2}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'approve'", "env2"));
    }

    [Fact]
    public async Task Outside_train_is_bad_input_for_a_target_in_no_group_and_a_rollout_and_a_realignment_still_deploy_to_members()
    {
        var (h, engine) = await CreateAsync(provider, [["env1", "env2"]]);
        await using var _ = h;
        var lone = await EngineHarness.CreateAsync(provider, "solo");
        await using var __ = lone;
        await Assert.ThrowsAsync<BadInputException>(() => lone.Engine.DeployAsync(new DeployRequest(lone.Write(Patch(1)), "solo", "bob", "why") { OutsideTrain = true }));
        Assert.True((await lone.Engine.DeployAsync(new DeployRequest(lone.Write(Patch(1)), "solo", "bob", null))).Succeeded);

        Assert.True((await RollOutAsync(h, engine, Patch(1))).Succeeded);
        await engine.RollbackAsync(new RollbackRequest("env2", "bob", "regression"));
        Assert.True((await RollOutAsync(h, engine, Patch(2))).Succeeded);
        var realigned = await engine.RealignAsync("env2", "alice", "fixed");
        Assert.True(realigned.Succeeded, realigned.StopReason);
    }
}

public sealed class SqliteTrainRuleContractTests() : TrainRuleContractTests(new SqliteProvider());
