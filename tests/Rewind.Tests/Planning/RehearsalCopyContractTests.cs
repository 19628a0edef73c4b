using System.Globalization;
using Rewind.Core.Configuration;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Planning;

/// <summary>
/// What a rehearsal copies, on every engine: Rewind's own tables and the tables the bundle touches, never a business
/// table; keys, named indexes and sequences as the target has them, so inserts number as they would there; and the
/// copy is gone afterwards, whether the rehearsal passed or failed.
/// </summary>
public abstract class RehearsalCopyContractTests(StorageProvider provider)
{
    private Task<EngineHarness> HarnessAsync() => EngineHarness.CreateAsync(provider, t => t with
    {
        BusinessTables = [new BusinessTable("orders", null)],
        PlatformTables = [new PlatformTable("settings") { Key = ["name"] }],
    });

    private async Task SeedAsync(EngineHarness h)
    {
        var id = provider.Engine == "postgres" ? "id serial PRIMARY KEY" : "id INTEGER PRIMARY KEY AUTOINCREMENT";
        await h.ExecuteAsync($"""
            CREATE TABLE orders (id integer PRIMARY KEY, note text NOT NULL);
            CREATE TABLE settings ({id}, name text NOT NULL, value text);
            CREATE UNIQUE INDEX settings_by_name ON settings (name);
            INSERT INTO settings (name, value) VALUES ('theme', 'light'), ('locale', 'en'), ('spare', 'x');
            DELETE FROM settings WHERE name = 'spare';
            """);
        await h.ExecuteAsync(provider.Engine == "postgres"
            ? "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 5000) g"
            : "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO orders SELECT i, 'order ' || i FROM n");
        await h.DeployAsync(new BundleBuilder("base").Upsert("platform", "rule", "a", "1").SimpleTable("tier", ("rank", "integer")).DataCopy("tier", """{"id":"a","rank":1}"""));
    }

    private static BundleBuilder Next() => new BundleBuilder("next").Upsert("platform", "rule", "a", "2")
        .SimpleTable("region", ("name", "text")).DataCopy("tier", """{"id":"b","rank":2}""")
        .RowUpsert("settings", """{"name":"currency","value":"EUR"}""").RowUpsert("settings", """{"name":"theme","value":"dark"}""");

    private Task<Rewind.Core.Engine.RehearsalReport> RehearseAsync(EngineHarness h, BundleBuilder bundle) =>
        h.Engine.RehearseAsync(h.Write(bundle), "env1", (config, ct) => Rewind.Cli.Composition.RewindHost.CreateEngineAsync(config, null, ct));

    [Fact]
    public async Task A_rehearsal_copies_rewinds_tables_and_the_bundles_never_a_business_row_and_leaves_the_target_as_it_was()
    {
        await using var h = await HarnessAsync();
        await SeedAsync(h);
        var before = await h.SnapshotAsync();
        var sequence = await SequenceAsync(h);

        var report = await RehearseAsync(h, Next());

        Assert.True(report.Succeeded, string.Join("\n", report.Steps));
        var copied = report.Copy.Tables.ToDictionary(t => t.Table, t => t.Rows);
        Assert.DoesNotContain("orders", copied.Keys);
        Assert.Equal(2, copied["settings"]);
        Assert.Equal(1, copied["tier"]);
        Assert.Contains("rw_records", copied.Keys);
        Assert.All(copied.Keys, t => Assert.True(t is "settings" or "tier" || t.StartsWith("rw_", StringComparison.Ordinal), t));
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(sequence, await SequenceAsync(h));
        await AssertGoneAsync(h, report.Copy.Place);
    }

    [Fact]
    public async Task A_redefined_table_keeps_its_index_names_in_the_copy_so_the_round_trip_is_exact()
    {
        await using var h = await HarnessAsync();
        await SeedAsync(h);

        // tier carries ix_tier_rank; were the copy's index renamed, the deploy would add one under that name and the
        // rollback would not give the copy back as it was.
        var report = await RehearseAsync(h, new BundleBuilder("wider").SimpleTable("tier", ("rank", "integer"), ("label", "text")).DataCopy("tier", """{"id":"c","rank":3,"label":"gold"}"""));

        Assert.True(report.Succeeded, string.Join("\n", report.Steps));
        Assert.Contains(report.Steps, s => s.Step == "compare with the state before the deploy" && s.Passed);
    }

    [Fact]
    public async Task A_rehearsal_whose_deploy_fails_still_removes_its_copy()
    {
        await using var h = await HarnessAsync();
        await SeedAsync(h);

        var report = await RehearseAsync(h, new BundleBuilder("bad").SimpleTable("tier2", ("rank", "integer")).DataCopy("tier2", """{"id":"x","no_such_column":1}"""));

        Assert.False(report.Succeeded);
        await AssertGoneAsync(h, report.Copy.Place);
    }

    /// <summary>The settings table's id counter: a rehearsal must not advance the target's.</summary>
    private async Task<string?> SequenceAsync(EngineHarness h) =>
        Convert.ToString(await h.ScalarAsync(provider.Engine == "postgres"
            ? "SELECT last_value::text || '/' || is_called::text FROM settings_id_seq"
            : "SELECT seq FROM sqlite_sequence WHERE name = 'settings'"), CultureInfo.InvariantCulture);

    private async Task AssertGoneAsync(EngineHarness h, string place)
    {
        var name = place[(place.LastIndexOf(' ') + 1)..];
        if (provider.Engine == "postgres")
        {
            Assert.Equal(0L, Convert.ToInt64(await h.ScalarAsync($"SELECT count(*) FROM pg_namespace WHERE nspname = '{name}'"), CultureInfo.InvariantCulture));
        }
        else
        {
            Assert.False(File.Exists(name), name);
        }
    }
}

public sealed class SqliteRehearsalCopyContractTests() : RehearsalCopyContractTests(new SqliteProvider());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRehearsalCopyContractTests(PostgresServerFixture server) : RehearsalCopyContractTests(new PostgresProvider(server));
