using Rewind.Core;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Rules;

/// <summary>
/// Seed 003 on every engine: "one partner's decision to roll back cannot prevent others from patching". On a
/// shared target the automatic rollback of a failed deploy keeps it on its train, and a manual rollback is refused.
/// </summary>
public abstract class SharedTargetContractTests(StorageProvider provider)
{
    private Task<EngineHarness> HarnessAsync() => EngineHarness.CreateAsync(provider, t => t with
    {
        Shared = true,
        Checks = [new SqlCheck { Name = "rules", Sql = "SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%bad%'" }],
    });

    private static BundleBuilder Rule(string id, string body) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{body}\"");

    [Fact]
    public async Task An_automatic_rollback_on_a_shared_target_leaves_it_on_the_train_and_the_next_deploy_runs()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Rule("one", "good-1"));
        var before = await h.SnapshotAsync();

        var failed = await h.DeployAsync(Rule("two", "bad"));

        Assert.False(failed.Succeeded);
        Assert.Equal(DeploymentStatus.RolledBack, failed.AutomaticRollback?.Deployment.Status);
        Assert.Equal(TrainState.OnTrain, failed.AutomaticRollback?.State.State);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(TrainState.OnTrain, (await h.Engine.StatusAsync("env1")).Single().State.State);

        var next = await h.DeployAsync(Rule("three", "good-3"));
        Assert.True(next.Succeeded, next.Verification.Summary);
    }

    [Fact]
    public async Task An_automatic_rollback_on_a_shared_member_that_went_past_its_train_leaves_it_diverged()
    {
        await using var h = await EngineHarness.CreateAsync(provider,
            t => t with { Shared = true, Checks = [new SqlCheck { Name = "rules", Sql = "SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%bad%'" }] },
            c => c with { Groups = new Dictionary<string, Rewind.Core.Configuration.GroupConfig> { ["eu"] = new() { Name = "eu", Stages = [["env1"]] } } },
            TimeProvider.System);
        var one = await h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("one", "good-1")), "env1", "tester", "hotfix") { OutsideTrain = true });
        Assert.True(one.Succeeded, one.Verification.Summary);
        Assert.Equal(TrainState.Diverged, (await h.Engine.StatusAsync("env1")).Single().State.State);

        var failed = await h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("two", "bad")), "env1", "tester", "hotfix 2") { OutsideTrain = true });

        Assert.Equal(DeploymentStatus.RolledBack, failed.AutomaticRollback?.Deployment.Status);
        Assert.Equal(TrainState.Diverged, (await h.Engine.StatusAsync("env1")).Single().State.State);
    }

    [Fact]
    public async Task A_manual_rollback_of_a_shared_target_is_refused_and_plan_says_so_beforehand()
    {
        await using var h = await HarnessAsync();
        var plan = await h.Engine.PlanAsync(h.Write(Rule("one", "good-1")), "env1");
        Assert.Contains("A manual `rewind rollback` of it will be **refused**", plan.ToMarkdown(), StringComparison.Ordinal);

        await h.DeployAsync(Rule("one", "good-1"));
        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.RollbackAsync());
        Assert.Equal("shared-target", refused.Rule);
    }
}

public sealed class SqliteSharedTargetContractTests() : SharedTargetContractTests(new SqliteProvider());
