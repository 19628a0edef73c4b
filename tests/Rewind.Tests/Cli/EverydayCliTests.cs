using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>Small things that cost minutes at 3 AM: a mistyped command, an empty history, history across targets.</summary>
public sealed class EverydayCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    [Fact]
    public async Task A_mistyped_command_names_the_one_it_was_probably_meant_to_be()
    {
        var result = await Rewind("rollbak", "--target", "env1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("did you mean 'rewind rollback'?", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_without_a_reason_is_refused_as_over_http_and_changes_nothing()
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);
        var bundle = new BundleBuilder("one").Upsert("platform", "workflow", "w", "{}").WriteTo(_folder.Combine("b", "one"));
        Assert.Equal(0, (await Rewind("deploy", bundle, "--target", "env1")).ExitCode);

        foreach (var args in new[] { new[] { "rollback", "--target", "env1", "--yes" }, ["rollback", "--target", "env1", "--yes", "--reason", "  "] })
        {
            var refused = await Rewind(args);
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.Contains("a rollback needs a reason", refused.Stderr, StringComparison.Ordinal);
        }

        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal(("on-train", "d0001"), (status.GetProperty("state").GetString(), status.GetProperty("last").GetString()));
        Assert.True((await Rewind("rollback", "--target", "env1", "--dry-run")).ExitCode == 0);
    }

    [Fact]
    public async Task History_says_when_there_is_none_and_without_target_lists_every_target()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
              env2:
                database: sqlite:env2.db
            """);
        var empty = await Rewind("history", "--target", "env1");
        Assert.True(empty.ExitCode == 0, empty.ToString());
        Assert.Contains("No deployments on env1 yet.", empty.Stdout, StringComparison.Ordinal);
        Assert.Contains("No deployments on any target yet.", (await Rewind("history")).Stdout, StringComparison.Ordinal);

        var bundle = new BundleBuilder("one").Upsert("platform", "workflow", "w", "{}").WriteTo(_folder.Combine("b", "one"));
        var deploy = await Rewind("deploy", bundle, "--target", "env1");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Contains("1 record, 0 data-copy rows", deploy.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("deploy", bundle, "--target", "env2")).ExitCode);

        var all = await Rewind("history", "--json");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal(["env2", "env1"], all.Json().GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("target").GetString()));
        var text = await Rewind("history");
        Assert.Contains(text.Stdout.Split('\n'), l => l.StartsWith("env1 ", StringComparison.Ordinal) && l.Contains(" one ", StringComparison.Ordinal));
        Assert.Contains(text.Stdout.Split('\n'), l => l.StartsWith("env2 ", StringComparison.Ordinal));
    }
}
