using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Planning;

/// <summary><c>rewind diff</c> on every engine: table definitions are described while the records' priors are read.</summary>
public abstract class DiffContractTests(StorageProvider provider)
{
    [Fact]
    public async Task A_diff_of_table_definitions_names_each_table_created_altered_or_quarantined()
    {
        await using var h = await EngineHarness.CreateAsync(provider);
        await h.DeployAsync(new BundleBuilder("base").SimpleTable("tier", ("rank", "integer")).SimpleTable("old", ("v", "text")).Upsert("platform", "rule", "a", "1"));

        var diff = await h.Engine.DiffAsync(h.Write(new BundleBuilder("next").SimpleTable("tier", ("rank", "integer"), ("label", "text"))
            .SimpleTable("region", ("name", "text")).Delete("platform", "table", "old").Upsert("platform", "rule", "a", "2")), "env1");

        Assert.Equal(["old:quarantine", "region:create", "tier:alter"], diff.Tables.Select(t => $"{t.Table}:{t.Change}").Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteDiffContractTests() : DiffContractTests(new SqliteProvider());

[Collection(PostgresCollection.Name)]
public sealed class PostgresDiffContractTests(PostgresServerFixture server) : DiffContractTests(new PostgresProvider(server));
