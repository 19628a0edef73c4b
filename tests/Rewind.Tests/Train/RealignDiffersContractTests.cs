using Rewind.Cli.Composition;
using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.Train;
using Rewind.Tests.Support;
using Rewind.Core.Engine;
using Rewind.Core.Configuration;

namespace Rewind.Tests.Train;

/// <summary>
/// Seed 003, "every step requires evaluation", on every engine: <c>realign --apply</c> stops before a step whose
/// recorded prior state differs from the target's, leaving a person's edit in place, and <c>--force</c> goes on.
/// </summary>
public abstract class RealignDiffersContractTests(StorageProvider provider)
{
    private static BundleBuilder Patch(int n) => new BundleBuilder($"b{n}").Upsert("apps", "rule", $"rule-{n}", $"{n}");

    /// <summary>Group eu = [[env1], [env2]]; b1 everywhere, env2 rolled back, b2 rolled out past it; then a person edits rule-2 on env2.</summary>
    private async Task<(EngineHarness H, RewindEngine Engine)> EditedOffTrainMemberAsync()
    {
        var h = await EngineHarness.CreateAsync(provider, "env1", "env2");
        var engine = await RewindHost.CreateEngineAsync(h.Config with
        {
            Groups = new Dictionary<string, GroupConfig> { ["eu"] = new() { Name = "eu", Stages = [["env1"], ["env2"]] } },
        });
        Assert.True((await engine.DeployGroupAsync(new GroupDeployRequest(h.Write(Patch(1)), "eu", "tester", "b1"))).Succeeded);
        await engine.RollbackAsync(new RollbackRequest("env2", "tester", "regression"));
        Assert.True((await engine.DeployGroupAsync(new GroupDeployRequest(h.Write(Patch(2)), "eu", "tester", "b2"))).Succeeded);
        await h.ExecuteAsync("INSERT INTO rw_records (layer, type, key, body) VALUES ('apps', 'rule', 'rule-2', '99')", "env2");
        return (h, engine);
    }

    [Fact]
    public async Task Realign_stops_before_a_step_that_differs_and_leaves_the_persons_edit_in_place()
    {
        var (h, engine) = await EditedOffTrainMemberAsync();
        await using var _ = h;

        var refused = await Assert.ThrowsAsync<RefusedException>(() => engine.RealignAsync("env2", "tester", "catch up"));

        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("target-differs", refused.Rule);
        Assert.Contains("stopped before b2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("applied before it: b1", refused.Message, StringComparison.Ordinal);
        Assert.Equal("99", (await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'rule-2'", "env2"))?.ToString());
        Assert.Equal(["b1"], (await engine.HistoryAsync("env2")).Where(d => d.IsApplied).Select(d => d.BundleId));
        Assert.Contains(await engine.AuditLog.ReadAsync(new AuditQuery(Operation: "realign")), e => e.Outcome == "refused:target-differs");
    }

    [Fact]
    public async Task Realign_with_force_goes_on_over_the_edit_and_audits_the_forced_step()
    {
        var (h, engine) = await EditedOffTrainMemberAsync();
        await using var _ = h;

        var result = await engine.RealignAsync("env2", "tester", "the edit was a test, overwrite it", force: true);

        Assert.True(result.Succeeded, result.StopReason);
        Assert.Equal(["b1", "b2"], result.Applied.Select(a => a.Step.BundleId));
        Assert.Equal("2", (await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'rule-2'", "env2"))?.ToString());
        var forced = Assert.Single(await engine.AuditLog.ReadAsync(new AuditQuery(Operation: "realign-forced")));
        Assert.Contains("b2", forced.Detail, StringComparison.Ordinal);
    }
}

public sealed class SqliteRealignDiffersContractTests() : RealignDiffersContractTests(new SqliteProvider());
