using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary><c>realign --apply</c> through the real executable: exit 3 before a step that differs, <c>--force</c> goes on.</summary>
public sealed class RealignCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Patch(int n) => new BundleBuilder($"b{n}").Upsert("apps", "rule", $"rule-{n}", $"{n}").WriteTo(_folder.Combine("b", $"b{n}"));

    [Fact]
    public async Task Realign_apply_exits_3_before_a_differing_step_and_force_goes_on()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
              env2:
                database: sqlite:env2.db
            groups:
              eu:
                stages: [[env1], [env2]]
            """);
        Assert.Equal(0, (await Rewind("deploy", Patch(1), "--group", "eu")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env2", "--yes", "--reason", "regression")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", Patch(2), "--group", "eu")).ExitCode);
        await new SqliteProvider().ExecuteAsync("sqlite:" + _folder.Combine("env2.db"), "INSERT INTO rw_records (layer, type, key, body) VALUES ('apps', 'rule', 'rule-2', '99')");

        var stopped = await Rewind("realign", "--target", "env2", "--apply");
        Assert.Equal(3, stopped.ExitCode);
        Assert.Contains("stopped before b2", stopped.Stderr, StringComparison.Ordinal);
        Assert.Contains("--force", stopped.Stderr, StringComparison.Ordinal);
        Assert.Equal("99", (await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("env2.db"), "SELECT body FROM rw_records WHERE key = 'rule-2'"))?.ToString());

        var forced = await Rewind("realign", "--target", "env2", "--apply", "--force", "--reason", "the edit was a test");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(1, (await Rewind("audit", "--operation", "realign-forced", "--json")).Json().GetProperty("entries").GetArrayLength());
    }
}
