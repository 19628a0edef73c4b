using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary><c>rewind gc</c> through the real executable, in a pipe: the dry run lists, the run frees, rollbacks still work.</summary>
public sealed class GcCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Bundle(string id) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{id}\"").WriteTo(_folder.Combine("b", id));

    [Fact]
    public async Task Gc_dry_run_lists_the_superseded_rollback_and_gc_frees_it_leaving_applied_deployments_reversible()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "store: sqlite:rewind.db\ntargets:\n  env1:\n    database: sqlite:env1.db\n");
        Assert.Equal(0, (await Rewind("deploy", Bundle("one"), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", Bundle("two"), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "two is bad")).ExitCode);
        Assert.Equal(0, (await Rewind("clear", "--target", "env1", "--reason", "fixed")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", Bundle("three"), "--target", "env1")).ExitCode);

        var dry = await Rewind("gc", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("inverse of d0002 (two)", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains("Would remove 2 stored bundles", dry.Stdout, StringComparison.Ordinal);

        var run = (await Rewind("gc", "--json")).Json();
        Assert.Equal(2, run.GetProperty("removed").GetArrayLength());
        Assert.True(run.GetProperty("freedBytes").GetInt64() > 0);
        Assert.Equal(0, (await Rewind("gc", "--dry-run", "--json")).Json().GetProperty("removed").GetArrayLength());

        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--deployment", "d0003", "--yes", "--reason", "after gc")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--deployment", "d0001", "--yes", "--reason", "after gc")).ExitCode);
    }
}
