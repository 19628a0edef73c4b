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
    public async Task A_table_defined_by_an_earlier_bundle_takes_data_copies_without_being_declared()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("define").SimpleTable("loyalty_tier", ("rank", "integer")));

        await h.DeployAsync(new BundleBuilder("tiers").DataCopy("loyalty_tier", """{"id":"gold","rank":1}"""));

        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM loyalty_tier"), System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class SqlitePlatformTableContractTests() : PlatformTableContractTests(new SqliteProvider());
