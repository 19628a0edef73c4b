using Rewind.Tests.Support;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Rules;

/// <summary>
/// Retention on every engine: <c>rewind gc</c> removes only what no deployment can need any more, and after it every
/// applied deployment still rolls back.
/// </summary>
public abstract class GcContractTests(StorageProvider provider)
{
    private static BundleBuilder Rule(string id) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{id}\"").Upsert("apps", "flag", id, "1");

    /// <summary>d0001 one, d0002 two (rolled back, then superseded), d0003 three, d0004 four: all but d0002 applied.</summary>
    private static async Task<Deployment> HistoryAsync(EngineHarness h)
    {
        await h.DeployAsync(Rule("one"));
        var two = (await h.DeployAsync(Rule("two"))).Deployment;
        await h.RollbackAsync();
        await h.Engine.ClearAsync("env1", "tester", "two was the problem");
        await h.DeployAsync(Rule("three"));
        await h.DeployAsync(Rule("four"));
        return two;
    }

    [Fact]
    public async Task Gc_dry_run_lists_only_the_bundle_and_inverse_of_the_rolled_back_and_superseded_deployment()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var two = await HistoryAsync(h);
        var stored = h.Engine.Artifacts.ListBundles();

        var report = await h.Engine.CollectGarbageAsync("tester", dryRun: true);

        Assert.Equal(new[] { two.BundleDigest, two.InverseDigest! }.Order(), report.Unneeded.Select(a => a.Digest).Order());
        Assert.Contains(report.Unneeded, a => a.What.StartsWith("inverse of d0002", StringComparison.Ordinal));
        Assert.Equal(stored, h.Engine.Artifacts.ListBundles());
    }

    [Fact]
    public async Task Gc_waits_for_recovery_while_an_interrupted_operation_may_own_an_inverse_the_ledger_does_not_name()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var two = await HistoryAsync(h);
        var ledger = Rewind.Cli.Composition.RewindHost.OpenControlPlane(h.Config.Store);
        Assert.True(await ledger.InsertDeploymentAsync(new Deployment { Id = "d0099", Target = "env1", BundleId = "five", BundleDigest = two.BundleDigest, Who = "killed", Status = DeploymentStatus.Applying }, heldLock: null));
        var stored = h.Engine.Artifacts.ListBundles();

        var refused = await Assert.ThrowsAsync<Rewind.Core.RefusedException>(() => h.Engine.CollectGarbageAsync("tester", dryRun: false));

        Assert.Equal("interrupted", refused.Rule);
        Assert.Contains("rewind recover --target env1", refused.Message, StringComparison.Ordinal);
        Assert.Equal(stored, h.Engine.Artifacts.ListBundles());
    }

    [Fact]
    public async Task After_gc_every_applied_deployment_still_rolls_back()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        var two = await HistoryAsync(h);

        var report = await h.Engine.CollectGarbageAsync("tester", dryRun: false);

        Assert.Equal(2, report.Unneeded.Count);
        Assert.True(report.FreedBytes > 0);
        Assert.DoesNotContain(h.Engine.Artifacts.ListBundles(), b => b.Digest == two.InverseDigest);
        Assert.Empty((await h.Engine.CollectGarbageAsync("tester", dryRun: true)).Unneeded);
        foreach (var expected in new[] { "d0004", "d0003", "d0001" })
        {
            var result = await h.Engine.RollbackAsync(new RollbackRequest("env1", "tester", "after gc", expected));
            Assert.True(result.Succeeded, result.State.Reason);
        }

        Assert.DoesNotContain(await h.Engine.HistoryAsync("env1"), d => d.IsApplied);
        Assert.Contains(await h.Engine.AuditLog.ReadAsync(new Rewind.Core.Audit.AuditQuery(Operation: "gc")), e => e.Outcome == "succeeded");
    }
}

public sealed class SqliteGcContractTests() : GcContractTests(new SqliteProvider());
