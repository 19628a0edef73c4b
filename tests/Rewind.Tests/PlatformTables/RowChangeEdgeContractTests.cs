using System.Globalization;
using Rewind.Core;
using Rewind.Core.Configuration;
using Rewind.Tests.Support;

namespace Rewind.Tests.PlatformTables;

/// <summary>Row changes at their edges, on every engine: each case once deployed a bundle whose rollback then froze, or lost track of a table.</summary>
public abstract class RowChangeEdgeContractTests(StorageProvider provider)
{
    private const string WithPerk = """{"columns":[{"name":"id","type":"text"},{"name":"rank","type":"integer"},{"name":"perk","type":"text"}],"primaryKey":["id"],"indexes":[]}""";

    private Task<EngineHarness> HarnessAsync(params PlatformTable[] declared) => EngineHarness.CreateAsync(provider, t => t with { PlatformTables = declared });

    private async Task<long> CountAsync(EngineHarness h, string sql) => Convert.ToInt64(await h.ScalarAsync(sql), CultureInfo.InvariantCulture);

    [Fact]
    public async Task Rows_written_into_a_table_the_same_bundle_creates_roll_back_with_the_table()
    {
        await using var h = await HarnessAsync();
        var before = await h.SnapshotAsync();
        await h.DeployAsync(new BundleBuilder("new").SimpleTable("tier", ("rank", "integer")).RowUpsert("tier", """{"id":"gold","rank":1}"""));

        var rollback = await h.RollbackAsync();

        Assert.True(rollback.Succeeded, rollback.State.Reason);
        Assert.Single(rollback.Deployment.Impact!.Quarantined);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Rows_written_into_a_column_the_same_bundle_adds_roll_back_with_the_definition()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("define").SimpleTable("tier", ("rank", "integer")).RowUpsert("tier", """{"id":"gold","rank":1}"""));
        var before = await h.SnapshotAsync();
        await h.DeployAsync(new BundleBuilder("perk").Table("platform", "tier", WithPerk).RowUpsert("tier", """{"id":"gold","perk":"lounge"}"""));
        Assert.Equal("lounge", await h.ScalarAsync("SELECT perk FROM tier WHERE id = 'gold'"));

        var rollback = await h.RollbackAsync();

        Assert.True(rollback.Succeeded, rollback.State.Reason);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Rows_a_bundle_inserts_beside_its_definition_change_go_with_its_rollback_and_are_not_reported_as_written_since()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("define").SimpleTable("tier", ("rank", "integer")).RowUpsert("tier", """{"id":"gold","rank":1}""").RowUpsert("tier", """{"id":"silver","rank":2}"""));
        var before = await h.SnapshotAsync();
        await h.DeployAsync(new BundleBuilder("perk").Table("platform", "tier", WithPerk)
            .RowUpsert("tier", """{"id":"gold","perk":"lounge"}""")
            .RowUpsert("tier", """{"id":"platinum","rank":0,"perk":"jet"}""")
            .RowDelete("tier", """{"id":"silver"}"""));
        await h.ExecuteAsync("INSERT INTO tier (id, rank, perk) VALUES ('app', 9, 'own')");

        var rollback = await h.RollbackAsync();

        Assert.True(rollback.Succeeded, rollback.State.Reason);
        Assert.Equal(0, await CountAsync(h, "SELECT count(*) FROM tier WHERE id = 'platinum'"));
        var reported = Assert.Single(rollback.Deployment.Impact!.Rows);
        Assert.Contains("app", reported.Key, StringComparison.Ordinal);
        await h.ExecuteAsync("DELETE FROM tier WHERE id = 'app'");
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Two_spellings_of_one_key_in_one_file_are_refused_before_anything_commits()
    {
        await using var h = await HarnessAsync(new PlatformTable("price"));
        await h.ExecuteAsync("CREATE TABLE price (id INTEGER PRIMARY KEY, amount INTEGER)");
        await h.ExecuteAsync("INSERT INTO price (id, amount) VALUES (1, 10)");
        var before = await h.SnapshotAsync();

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("twice")
            .RowUpsert("price", """{"id":1,"amount":20}""")
            .RowUpsert("price", """{"id":1.0,"amount":30}""")));

        Assert.Contains("an earlier line of this file already changes", error.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task A_natural_key_update_never_changes_the_tables_own_primary_key()
    {
        await using var h = await HarnessAsync(new PlatformTable("cfg") { Key = ["path"] });
        await h.ExecuteAsync("CREATE TABLE cfg (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, value TEXT)");
        await h.ExecuteAsync("INSERT INTO cfg (id, path, value) VALUES (7, 'web/secure', '1')");

        await h.DeployAsync(new BundleBuilder("saved-rows").RowUpsert("cfg", """{"id":4,"path":"web/secure","value":"0"}"""));

        Assert.Equal(7L, await CountAsync(h, "SELECT id FROM cfg WHERE path = 'web/secure'"));
        Assert.Equal("0", await h.ScalarAsync("SELECT value FROM cfg WHERE path = 'web/secure'"));
    }

    [Fact]
    public async Task Rolling_back_a_later_deployment_that_created_a_table_once_adopted_quarantines_it()
    {
        await using var h = await HarnessAsync();
        await h.ExecuteAsync("CREATE TABLE wf (id TEXT PRIMARY KEY, rank INTEGER)");
        await h.DeployAsync(new BundleBuilder("adopt").Table("platform", "wf", """{"columns":[{"name":"id","type":"text"},{"name":"rank","type":"integer"}],"primaryKey":["id"],"indexes":[]}"""));
        await h.DeployAsync(new BundleBuilder("drop").Delete("platform", "table", "wf"));
        await h.DeployAsync(new BundleBuilder("again").Table("platform", "wf", """{"columns":[{"name":"id","type":"text"},{"name":"rank","type":"integer"}],"primaryKey":["id"],"indexes":[]}"""));

        var rollback = await h.RollbackAsync();

        Assert.True(rollback.Succeeded, rollback.State.Reason);
        Assert.Single(rollback.Deployment.Impact!.Quarantined);
    }

    [Fact]
    public async Task The_dry_run_shows_the_three_way_plan_the_rollback_then_follows()
    {
        await using var h = await HarnessAsync(new PlatformTable("price"));
        await h.ExecuteAsync("CREATE TABLE price (id TEXT PRIMARY KEY, amount INTEGER)");
        await h.ExecuteAsync("INSERT INTO price (id, amount) VALUES ('a', 10), ('b', 20)");
        await h.DeployAsync(new BundleBuilder("prices").RowUpsert("price", """{"id":"a","amount":11}""").RowUpsert("price", """{"id":"b","amount":21}""").RowUpsert("price", """{"id":"c","amount":30}"""));
        await h.ExecuteAsync("UPDATE price SET amount = 99 WHERE id = 'a'");

        var plan = await h.Engine.DryRunRollbackAsync("env1");
        var rollback = await h.RollbackAsync();

        Assert.Equal(["(id=\"a\") kept", "(id=\"b\") restore", "(id=\"c\") delete"], plan.Changes.Rows.Select(r => $"{r.Key} {r.Change}").Order(StringComparer.Ordinal));
        Assert.Equal(["(id=\"a\") kept"], rollback.Deployment.Impact!.Rows.Select(r => $"{r.Key} {r.Action}"));
        Assert.Equal(99L, await CountAsync(h, "SELECT amount FROM price WHERE id = 'a'"));
        Assert.Equal(20L, await CountAsync(h, "SELECT amount FROM price WHERE id = 'b'"));
        Assert.Equal(0L, await CountAsync(h, "SELECT count(*) FROM price WHERE id = 'c'"));
    }
}

public sealed class SqliteRowChangeEdgeContractTests() : RowChangeEdgeContractTests(new SqliteProvider());
