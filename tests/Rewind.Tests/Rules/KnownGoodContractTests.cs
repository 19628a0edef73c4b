using Rewind.Core;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Rules;

/// <summary>
/// Seed 001 §5 and §3 on every engine: a rollback lands on known-good state only, <c>rollback --to</c> peels every
/// deployment above a verified one, and leaving a failed deployment applied must be justified.
/// </summary>
public abstract class KnownGoodContractTests(StorageProvider provider)
{
    private Task<EngineHarness> HarnessAsync() => EngineHarness.CreateAsync(provider, t => t with
    {
        Checks = [new SqlCheck { Name = "rules", Sql = "SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%bad%'" }],
    });

    private static BundleBuilder Rule(string id, string body) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{body}\"").Upsert("apps", "flag", id, "1");

    /// <summary>d0001 verified, d0002 left applied unverified (its check failed, auto-rollback off, with a reason), d0003 verified on top.</summary>
    private static async Task<Rewind.Core.Targets.TargetSnapshot> ThreeDeploymentsAsync(EngineHarness h)
    {
        await h.DeployAsync(Rule("one", "good-1"));
        var atOne = await h.SnapshotAsync();
        var two = await h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("two", "bad")), "env1", "tester", "staging: keep it to debug", AutoRollback: false));
        Assert.Equal(DeploymentStatus.Applied, two.Deployment.Status);
        Assert.Equal(DeploymentStatus.Verified, (await h.DeployAsync(Rule("three", "good-3"))).Deployment.Status);
        return atOne;
    }

    [Fact]
    public async Task A_rollback_that_would_land_on_a_never_verified_deployment_is_refused_naming_the_newest_verified_one()
    {
        await using var h = await HarnessAsync();
        await ThreeDeploymentsAsync(h);
        var before = await h.SnapshotAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.RollbackAsync());
        var previewed = await Assert.ThrowsAsync<RefusedException>(() => h.Engine.PreviewRollbackAsync("env1"));

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("would land on d0002 (two), which never verified", refused.Message, StringComparison.Ordinal);
        Assert.Contains("rewind rollback --target env1 --to d0001", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, previewed.Message);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(3, (await h.Engine.HistoryAsync("env1")).Count(d => d.IsApplied));
    }

    [Fact]
    public async Task Rollback_to_a_verified_deployment_peels_every_one_above_it_newest_first_each_its_own_rollback()
    {
        await using var h = await HarnessAsync();
        var atOne = await ThreeDeploymentsAsync(h);

        var results = await h.Engine.RollbackToAsync("env1", "d0001", "tester", "back to the last good one");

        Assert.Equal(["d0003", "d0002"], results.Select(r => r.Deployment.Id));
        Assert.All(results, r => Assert.True(r.Succeeded, r.State.Reason));
        Assert.Null(atOne.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(["d0001"], (await h.Engine.HistoryAsync("env1")).Where(d => d.IsApplied).Select(d => d.Id));
    }

    [Fact]
    public async Task Rollback_to_a_deployment_that_never_verified_is_refused_and_changes_nothing()
    {
        await using var h = await HarnessAsync();
        await ThreeDeploymentsAsync(h);
        var before = await h.SnapshotAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.Engine.RollbackToAsync("env1", "d0002", "tester", "why"));

        Assert.Contains("d0002 (two) on env1 never verified", refused.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Leaving_a_failed_deployment_applied_needs_a_reason()
    {
        await using var h = await HarnessAsync();

        var error = await Assert.ThrowsAsync<BadInputException>(() => h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("one", "good")), "env1", "tester", null, AutoRollback: false)));

        Assert.Contains("--no-auto-rollback needs --reason", error.Message, StringComparison.Ordinal);
        Assert.Empty(await h.Engine.HistoryAsync("env1"));
    }
}

public sealed class SqliteKnownGoodContractTests() : KnownGoodContractTests(new SqliteProvider());
