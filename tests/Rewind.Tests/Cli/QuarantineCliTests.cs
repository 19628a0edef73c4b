using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>Quarantined tables are listed with their rows and purged only by a train-admin.</summary>
public sealed class QuarantineCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(string who, params string[] args) =>
        CliRunner.RunAsync(_folder.Path, CliRunner.As(who), args);

    [Fact]
    public async Task Quarantined_tables_are_listed_with_their_rows_and_purged_only_by_a_train_admin()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
            roles:
              olga: [deployer, operator]
              tara: [train-admin]
            """);
        Assert.Equal(0, (await Rewind("olga", "quarantine", "list", "--json")).Json().GetProperty("tables").GetArrayLength());
        var bundle = new BundleBuilder("tier").SimpleTable("loyalty_tier", ("rank", "integer")).DataCopy("loyalty_tier", """{"id":"gold","rank":1}""", """{"id":"silver","rank":2}""");
        Assert.Equal(0, (await Rewind("olga", "deploy", bundle.WriteTo(_folder.Combine("b")), "--target", "env1")).ExitCode);
        var rollback = await Rewind("olga", "rollback", "--target", "env1", "--yes", "--reason", "test", "--json");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        var quarantined = rollback.Json().GetProperty("impact").GetProperty("quarantined")[0];
        Assert.Equal("loyalty_tier", quarantined.GetProperty("table").GetString());

        var kept = (await Rewind("olga", "history", "--target", "env1", "--deployment", "d0001", "--json")).Json();
        Assert.Equal("rolled-back", kept.GetProperty("deployment").GetProperty("status").GetString());
        Assert.Equal(2, kept.GetProperty("impact").GetProperty("quarantined")[0].GetProperty("rows").GetInt64());

        var list = (await Rewind("olga", "quarantine", "list", "--json")).Json().GetProperty("tables");
        var entry = Assert.Single(list.EnumerateArray());
        Assert.Equal(quarantined.GetProperty("as").GetString(), entry.GetProperty("as").GetString());
        Assert.Equal(2, entry.GetProperty("rows").GetInt64());
        Assert.Equal("d0001", entry.GetProperty("deployment").GetString());

        var refused = await Rewind("olga", "quarantine", "purge", "--older-than", "0s");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("train-admin", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("tara", "quarantine", "purge", "--older-than", "30d", "--json")).Json().GetProperty("purged").GetArrayLength());

        var purge = await Rewind("tara", "quarantine", "purge", "--older-than", "0s", "--json");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Equal(1, purge.Json().GetProperty("purged").GetArrayLength());
        Assert.Equal(0, (await Rewind("olga", "quarantine", "list", "--json")).Json().GetProperty("tables").GetArrayLength());
        var audit = (await Rewind("tara", "audit", "--operation", "quarantine-purge", "--json")).Json().GetProperty("entries");
        Assert.Equal(["refused:not-authorized", "succeeded"], audit.EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
    }
}
