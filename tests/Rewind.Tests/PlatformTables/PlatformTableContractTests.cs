using Rewind.Core;
using Rewind.Core.Configuration;
using Rewind.Tests.Support;

namespace Rewind.Tests.PlatformTables;

/// <summary>
/// Which tables a bundle may write, on every engine: data copies only into platform tables (declared in
/// <c>platformTables</c>, or defined by a table record), refused before anything changes otherwise.
/// </summary>
public abstract class PlatformTableContractTests(StorageProvider provider)
{
    private Task<EngineHarness> HarnessAsync(params PlatformTable[] declared) =>
        EngineHarness.CreateAsync(provider, t => t with { PlatformTables = declared });

    private static async Task SeedPriceListAsync(EngineHarness h)
    {
        await h.ExecuteAsync("CREATE TABLE price_list (id TEXT PRIMARY KEY, price INTEGER)");
        await h.ExecuteAsync("INSERT INTO price_list (id, price) VALUES ('a', 1), ('b', 2)");
    }

    [Fact]
    public async Task A_data_copy_into_an_undeclared_table_is_refused_naming_the_table_and_the_key_to_add_and_changes_nothing()
    {
        await using var h = await HarnessAsync();
        await SeedPriceListAsync(h);
        await h.DeployAsync(new BundleBuilder("base").Upsert("platform", "rule", "r1", "1"));
        var before = await h.SnapshotAsync();
        var history = await h.Engine.HistoryAsync("env1");

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("typo")
            .Upsert("platform", "rule", "r1", "2")
            .DataCopy("price_list", """{"id":"c","price":3}""")));

        Assert.Contains("'price_list' is not a platform table of target env1", error.Message, StringComparison.Ordinal);
        Assert.Contains("platformTables: [price_list]", error.Message, StringComparison.Ordinal);
        var typo = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("typo2").DataCopy("price_lst", """{"id":"c","price":3}""")));
        Assert.Contains("no table of that name exists there (a typo?)", typo.Message, StringComparison.Ordinal);
        Assert.Equal(2L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM price_list"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(history.Select(d => d.Id), (await h.Engine.HistoryAsync("env1")).Select(d => d.Id));
    }

    [Fact]
    public async Task A_declared_platform_table_takes_a_data_copy_and_its_rollback_restores_it()
    {
        await using var h = await HarnessAsync(new PlatformTable("price_list"));
        await SeedPriceListAsync(h);
        var before = await h.SnapshotAsync();

        await h.DeployAsync(new BundleBuilder("prices").DataCopy("price_list", """{"id":"c","price":3}"""));
        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM price_list"), System.Globalization.CultureInfo.InvariantCulture));

        await h.RollbackAsync();
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Rolling_back_a_schema_change_loses_no_row_or_value_the_application_wrote_and_the_saved_rows_come_back()
    {
        await using var h = await HarnessAsync();
        const string WithPerk = """{"columns":[{"name":"id","type":"text"},{"name":"rank","type":"integer"},{"name":"perk","type":"text"}],"primaryKey":["id"],"indexes":[]}""";
        await h.DeployAsync(new BundleBuilder("define").SimpleTable("loyalty_tier", ("rank", "integer")));
        await h.ExecuteAsync("INSERT INTO loyalty_tier (id, rank) VALUES ('gold', 1), ('silver', 2)");
        var beforeChange = await h.SnapshotAsync();
        await h.DeployAsync(new BundleBuilder("add-perk").Table("platform", "loyalty_tier", WithPerk));
        await h.ExecuteAsync("INSERT INTO loyalty_tier (id, rank, perk) VALUES ('bronze', 3, 'cup')");
        await h.ExecuteAsync("UPDATE loyalty_tier SET perk = 'lounge' WHERE id = 'gold'");
        await h.ExecuteAsync("UPDATE loyalty_tier SET rank = 5 WHERE id = 'silver'");

        var rollback = await h.RollbackAsync();

        // The prior definition and rows are back; the row inserted under the new definition is kept (it still fits);
        // everything else the application wrote (a changed rank, values of the dropped column) is saved and reported.
        Assert.True(rollback.Succeeded);
        Assert.Equal(["1", "2", "3"], await RanksAsync(h));
        Assert.Equal(
            ["(id=s:bronze) kept", "(id=s:gold) saved", "(id=s:silver) saved"],
            rollback.Deployment.Impact!.Rows.Select(r => $"{r.Key} {r.Action}").Order(StringComparer.Ordinal));
        await h.ExecuteAsync("DELETE FROM loyalty_tier WHERE id = 'bronze'");
        Assert.Null(beforeChange.FirstDifference(await h.SnapshotAsync()));

        // The documented way back: redeploy the schema change, then the live-edits bundle.
        await h.Engine.ClearAsync("env1", "tester", "fix scheduled");
        await h.DeployAsync(new BundleBuilder("add-perk-again").Table("platform", "loyalty_tier", WithPerk));
        await h.Engine.DeployAsync(new Rewind.Core.Engine.DeployRequest(await ExportAsync(h, rollback.Deployment.Impact.LiveEditsDigest!), "env1", "tester", "bring back what was written"));
        Assert.Equal("lounge", await h.ScalarAsync("SELECT perk FROM loyalty_tier WHERE id = 'gold'"));
        Assert.Equal("cup", await h.ScalarAsync("SELECT perk FROM loyalty_tier WHERE id = 'bronze'"));
        Assert.Equal(5L, Convert.ToInt64(await h.ScalarAsync("SELECT rank FROM loyalty_tier WHERE id = 'silver'"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Rolling_back_a_data_copy_restores_the_prior_content_and_saves_the_rows_written_since()
    {
        await using var h = await HarnessAsync(new PlatformTable("price_list"));
        await SeedPriceListAsync(h);
        var before = await h.SnapshotAsync();
        await h.DeployAsync(new BundleBuilder("prices").DataCopy("price_list", """{"id":"a","price":10}""", """{"id":"c","price":30}"""));
        await h.ExecuteAsync("INSERT INTO price_list (id, price) VALUES ('d', 40)");

        var rollback = await h.RollbackAsync();

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        var saved = Assert.Single(rollback.Deployment.Impact!.Rows);
        Assert.Equal(("price_list", "(id=s:d)", "saved"), (saved.Table, saved.Key, saved.Action));
        var exported = await ExportAsync(h, rollback.Deployment.Impact.LiveEditsDigest!);
        Assert.Contains("\"price\":40", await File.ReadAllTextAsync(Path.Combine(exported, "rows", "price_list.ndjson")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_definition_matching_an_existing_table_adopts_it_and_rolling_back_the_adoption_leaves_the_table_byte_identical()
    {
        await using var h = await HarnessAsync();
        await h.ExecuteAsync("CREATE TABLE wf_definition (id TEXT PRIMARY KEY, steps TEXT, owner TEXT)");
        await h.ExecuteAsync("CREATE INDEX ix_wf_owner ON wf_definition (owner)");
        await h.ExecuteAsync("INSERT INTO wf_definition (id, steps, owner) VALUES ('approve', '[1,2]', 'ops'), ('refund', '[3]', 'finance')");
        var before = await h.SnapshotAsync();
        const string Definition = """{"columns":[{"name":"id","type":"text"},{"name":"steps","type":"json"},{"name":"owner","type":"text"}],"primaryKey":["id"],"indexes":[{"name":"ix_wf_owner","columns":["owner"]}]}""";

        var adopted = await h.DeployAsync(new BundleBuilder("adopt").Table("platform", "wf_definition", Definition).DataCopy("wf_definition", """{"id":"approve","steps":"[1,2,4]","owner":"ops"}"""));
        Assert.True(adopted.Deployment.IsApplied);
        Assert.Equal("[1,2,4]", await h.ScalarAsync("SELECT steps FROM wf_definition WHERE id = 'approve'"));

        var rollback = await h.RollbackAsync();

        Assert.Empty(rollback.Deployment.Impact!.Quarantined);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task A_definition_that_does_not_match_an_existing_unmanaged_table_is_refused_naming_the_difference_and_changes_nothing()
    {
        await using var h = await HarnessAsync();
        await h.ExecuteAsync("CREATE TABLE wf_definition (id TEXT PRIMARY KEY, steps TEXT)");
        var before = await h.SnapshotAsync();

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("adopt").SimpleTable("wf_definition", ("body", "json"))));

        Assert.Contains("does not match its shape", error.Message, StringComparison.Ordinal);
        Assert.Contains("(id, steps)", error.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    private static async Task<List<string>> RanksAsync(EngineHarness h)
    {
        var ranks = new List<string>();
        foreach (var id in new[] { "gold", "silver", "bronze" })
        {
            ranks.Add(Convert.ToString(await h.ScalarAsync($"SELECT rank FROM loyalty_tier WHERE id = '{id}'"), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return ranks;
    }

    /// <summary>What <c>rewind bundle export DIGEST --to DIR</c> does: the stored bundle's files, copied out.</summary>
    private static async Task<string> ExportAsync(EngineHarness h, string digest)
    {
        using var bundle = await h.Engine.Artifacts.OpenAsync(digest);
        var destination = h.Folder.Combine("exported", digest[7..19]);
        foreach (var path in bundle.Paths)
        {
            var full = Path.Combine(destination, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await using var source = bundle.OpenFile(path);
            await using var target = File.Create(full);
            await source.CopyToAsync(target);
        }

        return destination;
    }

    [Fact]
    public async Task A_table_defined_by_an_earlier_bundle_takes_data_copies_without_being_declared()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("define").SimpleTable("loyalty_tier", ("rank", "integer")));

        await h.DeployAsync(new BundleBuilder("tiers").DataCopy("loyalty_tier", """{"id":"gold","rank":1}"""));

        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM loyalty_tier"), System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class SqlitePlatformTableContractTests() : PlatformTableContractTests(new SqliteProvider());
