using Rewind.Tests.Support;

namespace Rewind.Tests.Releases;

/// <summary>A release whose rollback would fail (its slot's current version cannot be reinstalled) is found before it deploys.</summary>
public sealed class IrreversibleReleaseTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    [Fact]
    public async Task A_baseline_with_no_release_folder_is_refused_at_deploy_and_accepted_with_irreversible_and_a_reason()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                code:
                  frontend:
                    deployer: directory
                    root: deploy/frontend
                    baseline: 1.0.0
            """);
        var release = new BundleBuilder("rel-2").Upsert("platform", "workflow", "w", "2")
            .Code("frontend", "2.0.0", BundleBuilder.Zip(("index.html", "v2"))).WriteTo(_folder.Combine("b", "rel"));

        var diff = await Rewind("diff", release, "--target", "env1");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("cannot be rolled back", diff.Stdout, StringComparison.Ordinal);
        var plan = await Rewind("plan", release, "--target", "env1");
        Assert.Contains("**Cannot be rolled back**: slot frontend runs 1.0.0", plan.Stdout, StringComparison.Ordinal);

        var refused = await Rewind("deploy", release, "--target", "env1", "--reason", "train");
        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("--irreversible --reason", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());
        Assert.False(Directory.Exists(_folder.Combine("deploy", "frontend", "releases", "2.0.0")));

        var noReason = await Rewind("deploy", release, "--target", "env1", "--irreversible");
        Assert.True(noReason.ExitCode == 2, noReason.ToString());

        var accepted = await Rewind("deploy", release, "--target", "env1", "--irreversible", "--reason", "frontend 1.0.0 was never packaged", "--json");
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        Assert.Equal("verified", accepted.Json().GetProperty("status").GetString());
        var audit = await Rewind("audit", "--json");
        Assert.Contains("irreversible release accepted", audit.Stdout, StringComparison.Ordinal);
        Assert.Contains("frontend 1.0.0 was never packaged", audit.Stdout, StringComparison.Ordinal);
    }
}
