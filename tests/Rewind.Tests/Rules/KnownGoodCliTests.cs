using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary>The seeds' rollback rules through the real executable: known-good landings, <c>--to</c>, and a justified <c>--no-auto-rollback</c>.</summary>
public sealed class KnownGoodCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Bundle(string id, string body) =>
        new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{body}\"").WriteTo(_folder.Combine("b", id));

    [Fact]
    public async Task Rollback_refuses_an_unverified_landing_and_to_peels_back_to_the_verified_one()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                checks:
                  - name: rules
                    sql: SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%bad%'
            """);
        Assert.Equal(0, (await Rewind("deploy", Bundle("one", "good-1"), "--target", "env1")).ExitCode);
        var unjustified = await Rewind("deploy", Bundle("two", "bad"), "--target", "env1", "--no-auto-rollback");
        Assert.Equal(2, unjustified.ExitCode);
        Assert.Contains("--no-auto-rollback needs --reason", unjustified.Stderr, StringComparison.Ordinal);
        Assert.Equal(4, (await Rewind("deploy", Bundle("two", "bad"), "--target", "env1", "--no-auto-rollback", "--reason", "staging: keep it to debug")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", Bundle("three", "good-3"), "--target", "env1")).ExitCode);

        var refused = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "INC-1");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("--to d0001", refused.Stderr, StringComparison.Ordinal);

        var back = await Rewind("rollback", "--target", "env1", "--to", "d0001", "--yes", "--reason", "INC-1", "--json");
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.True(back.Json().GetProperty("reached").GetBoolean());
        Assert.Equal(2, back.Json().GetProperty("rollbacks").GetArrayLength());
        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").EnumerateArray()
            .Select(d => $"{d.GetProperty("id").GetString()} {d.GetProperty("status").GetString()}");
        Assert.Equal(["d0003 rolled-back", "d0002 rolled-back", "d0001 verified"], history);
    }
}
