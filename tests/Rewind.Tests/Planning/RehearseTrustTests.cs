using Rewind.Tests.Support;

namespace Rewind.Tests.Planning;

/// <summary><c>rewind rehearse</c> on targets as they are in real life: roles declared, tables quarantined by earlier rollbacks.</summary>
public sealed class RehearseTrustTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, CliRunner.As("alice"), args);

    [Fact]
    public async Task Rehearse_passes_with_roles_declared_and_after_an_earlier_rollback_quarantined_a_table()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
            roles:
              alice: [deployer, operator, train-admin]
            """);
        var bundle = new BundleBuilder("tiers").Upsert("platform", "rule", "a", "1").SimpleTable("tier", ("rank", "integer"))
            .DataCopy("tier", """{"id":"gold","rank":1}""").WriteTo(_folder.Combine("b", "tiers"));

        var first = await Rewind("rehearse", bundle, "--target", "env1", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());

        Assert.Equal(0, (await Rewind("deploy", bundle, "--target", "env1")).ExitCode);
        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "INC-7", "--json");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.StartsWith("rw_quarantine_d0001", rollback.Json().GetProperty("impact").GetProperty("quarantined")[0].GetProperty("as").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("clear", "--target", "env1", "--reason", "fixed")).ExitCode);

        var again = await Rewind("rehearse", bundle, "--target", "env1", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(again.Json().GetProperty("exact").GetBoolean(), again.ToString());
        Assert.DoesNotContain("frozen", again.Stdout, StringComparison.OrdinalIgnoreCase);
    }
}
