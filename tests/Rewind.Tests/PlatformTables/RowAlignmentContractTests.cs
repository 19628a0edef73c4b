using Rewind.Cli.Composition;
using Rewind.Core.Configuration;
using Rewind.Core.Train;
using Rewind.Tests.Support;

namespace Rewind.Tests.PlatformTables;

/// <summary>Alignment covers the rows of platform tables the train writes, on every engine.</summary>
public abstract class RowAlignmentContractTests(StorageProvider provider)
{
    [Fact]
    public async Task Two_members_differing_only_in_one_row_the_train_wrote_are_not_aligned_while_application_rows_do_not_count()
    {
        await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new PlatformTable("feature_flag")] }, "env1", "env2");
        var engine = await RewindHost.CreateEngineAsync(h.Config with
        {
            Groups = new Dictionary<string, GroupConfig> { ["eu"] = new() { Name = "eu", Stages = [["env1", "env2"]] } },
        });
        foreach (var target in new[] { "env1", "env2" })
        {
            await h.ExecuteAsync("CREATE TABLE feature_flag (name TEXT PRIMARY KEY, enabled INTEGER)", target);
            await h.ExecuteAsync("INSERT INTO feature_flag (name, enabled) VALUES ('checkout_v2', 0)", target);
        }

        var rollout = await engine.DeployGroupAsync(new GroupDeployRequest(h.Write(new BundleBuilder("flags").RowUpsert("feature_flag", """{"name":"checkout_v2","enabled":1}""")), "eu", "tester", "test", SkipSoak: true));
        Assert.True(rollout.Succeeded, rollout.StopReason);
        Assert.All((await engine.GroupStatusAsync("eu")).Targets, t => Assert.True(t.Aligned, t.Target));

        // A row the application keeps for itself in the same table is not managed: still aligned.
        await h.ExecuteAsync("INSERT INTO feature_flag (name, enabled) VALUES ('local_experiment', 1)", "env2");
        Assert.All((await engine.GroupStatusAsync("eu")).Targets, t => Assert.True(t.Aligned, t.Target));

        // The row the train wrote, changed on one member: that member has diverged.
        await h.ExecuteAsync("UPDATE feature_flag SET enabled = 0 WHERE name = 'checkout_v2'", "env2");
        var status = await engine.GroupStatusAsync("eu");
        Assert.Equal(["env1 True", "env2 False"], status.Targets.Select(t => $"{t.Target} {t.Aligned}"));
    }
}

public sealed class SqliteRowAlignmentContractTests() : RowAlignmentContractTests(new SqliteProvider());
