using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Integrity;

/// <summary>
/// A bundle is read once: copied into the artifact store while it is validated, then stored and applied from that
/// copy only. A bundle folder changed while the deploy runs cannot get a mixture through.
/// </summary>
public sealed class BundleReadOnceTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_bundle_folder_changed_by_a_before_deploy_hook_deploys_what_was_validated_and_rolls_back()
    {
        // The hook swaps a records file for a link to a file outside the bundle and appends a duplicate key:
        // both would be refused had they been there when the bundle was validated.
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                hooks:
                  beforeDeploy:
                    - "[ ! -d b ] || (printf '{\"key\":\"evil\",\"body\":666}\\n' > outside.ndjson && rm b/records/platform/rule.ndjson && ln -s \"$PWD/outside.ndjson\" b/records/platform/rule.ndjson && printf '{\"key\":\"w\",\"body\":\"dup\"}\\n' >> b/records/apps/workflow.ndjson)"

            """);
        new BundleBuilder("first").Upsert("platform", "rule", "base", "0").WriteTo(_folder.Combine("first"));
        Assert.Equal(0, (await CliRunner.RunAsync(_folder.Path, "deploy", _folder.Combine("first"), "--target", "env1")).ExitCode);
        new BundleBuilder("changing")
            .Upsert("platform", "rule", "a", "1")
            .Upsert("apps", "workflow", "w", "[1, 2]")
            .WriteTo(_folder.Combine("b"));
        await using var target = new SqliteTargetStore(_folder.Combine("env1.db"));
        var before = await target.SnapshotAsync();

        var deploy = await CliRunner.RunAsync(_folder.Path, "deploy", _folder.Combine("b"), "--target", "env1", "--json");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.NotNull(new FileInfo(_folder.Combine("b", "records", "platform", "rule.ndjson")).LinkTarget);
        Assert.Equal("1", await BodyAsync("platform", "rule", "a"));
        Assert.Null(await BodyAsync("platform", "rule", "evil"));
        Assert.Equal("[1, 2]", await BodyAsync("apps", "workflow", "w"));

        // What the store holds is what was validated: the stored copy still matches its digest, so the rollback runs.
        var rollback = await CliRunner.RunAsync(_folder.Path, "rollback", "--target", "env1", "--yes", "--reason", "test", "--json");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Equal("rolled-back", rollback.Json().GetProperty("status").GetString());
        Assert.Null(before.FirstDifference(await target.SnapshotAsync()));
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Combine(".rewind", "artifacts", "tmp")));
    }

    [Fact]
    public async Task A_refused_deploy_leaves_no_staged_copy_behind()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "store: sqlite:rewind.db\ntargets:\n  env1:\n    database: sqlite:env1.db\n");
        new BundleBuilder("bad").Upsert("platform", "rule", "a", "1").Raw("records/platform/other.ndjson", "{\"key\":\"x\",\"body\":1}\n{\"key\":\"x\",\"body\":2}\n").WriteTo(_folder.Combine("bad"));

        var deploy = await CliRunner.RunAsync(_folder.Path, "deploy", _folder.Combine("bad"), "--target", "env1");

        Assert.Equal(2, deploy.ExitCode);
        Assert.Contains("appears twice", deploy.Stderr, StringComparison.Ordinal);
        var artifacts = _folder.Combine(".rewind", "artifacts");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(artifacts, "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(artifacts, "bundles")));
    }

    [Fact]
    public async Task Every_member_of_a_group_gets_the_bundle_as_it_was_read_even_if_its_folder_changes_during_the_rollout()
    {
        // The first stage's hook rewrites a record of the bundle folder: the second stage must not see it.
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                hooks:
                  beforeDeploy: ["printf '{\"key\":\"a\",\"body\":\"changed\"}\n' > b/records/platform/rule.ndjson"]
              env2:
                database: sqlite:env2.db
            groups:
              eu:
                stages: [[env1], [env2]]

            """);
        new BundleBuilder("train").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b"));

        var deploy = await CliRunner.RunAsync(_folder.Path, "deploy", _folder.Combine("b"), "--group", "eu", "--skip-soak", "--json");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Contains("changed", await File.ReadAllTextAsync(_folder.Combine("b", "records", "platform", "rule.ndjson")), StringComparison.Ordinal);
        Assert.Equal("1", await BodyAsync("platform", "rule", "a"));
        Assert.Equal("1", await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("env2.db"), "SELECT body FROM rw_records WHERE key = 'a'") as string);
    }

    private async Task<string?> BodyAsync(string layer, string type, string key) =>
        await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("env1.db"), $"SELECT body FROM rw_records WHERE layer = '{layer}' AND type = '{type}' AND key = '{key}'") as string;
}
