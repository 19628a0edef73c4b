using Rewind.Tests.Support;

namespace Rewind.Tests.Releases;

/// <summary>Code versions where an operator looks: <c>status</c>, and verification outcomes in <c>history --deployment</c>.</summary>
public sealed class CodeVersionsCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task SetUpAsync(string checks = "")
    {
        Directory.CreateDirectory(_folder.Combine("deploy", "frontend", "releases", "1.0.0"));
        File.CreateSymbolicLink(_folder.Combine("deploy", "frontend", "current"), Path.Combine("releases", "1.0.0"));
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                code:
                  frontend:
                    deployer: directory
                    root: deploy/frontend
            {checks}
            """);
    }

    private string Release(string version) => new BundleBuilder("rel-" + version)
        .Upsert("platform", "workflow", "w", $$"""{"v":"{{version}}"}""")
        .Code("frontend", version, BundleBuilder.Zip(("index.html", version)))
        .WriteTo(_folder.Combine("b", version));

    private async Task<string?> FrontendVersionAsync()
    {
        var status = await Rewind("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        return status.Json().GetProperty("targets")[0].GetProperty("code").GetProperty("frontend").GetString();
    }

    [Fact]
    public async Task Status_json_shows_each_slots_version_after_a_release_deploy_and_after_its_rollback()
    {
        await SetUpAsync();
        Assert.Equal("1.0.0", await FrontendVersionAsync());

        var deploy = await Rewind("deploy", Release("2.0.0"), "--target", "env1");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Contains("code frontend 1.0.0 -> 2.0.0", deploy.Stdout, StringComparison.Ordinal);
        Assert.Equal("2.0.0", await FrontendVersionAsync());
        Assert.Contains("frontend 2.0.0", (await Rewind("status")).Stdout, StringComparison.Ordinal);

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "INC-9");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Contains("code frontend 2.0.0 -> 1.0.0", rollback.Stdout, StringComparison.Ordinal);
        Assert.Equal("1.0.0", await FrontendVersionAsync());
    }

    [Fact]
    public async Task A_frozen_automatic_rollback_is_not_summarised_as_success_and_history_says_verify_failed_not_done()
    {
        await SetUpAsync("""
                checks:
                  - name: smoke
                    command: "false"
            """);

        var deploy = await Rewind("deploy", Release("2.0.0"), "--target", "env1");
        Assert.Equal(4, deploy.ExitCode);
        Assert.Contains("FROZEN", deploy.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Rolled back automatically", deploy.Stdout, StringComparison.Ordinal);

        var history = await Rewind("history", "--target", "env1", "--deployment", "d0001");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains("verify: failed", history.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("verify: done", history.Stdout, StringComparison.Ordinal);
        Assert.Contains("check smoke after deploy: failed", history.Stdout, StringComparison.Ordinal);
        Assert.Contains("code frontend 1.0.0 -> 2.0.0", history.Stdout, StringComparison.Ordinal);
    }
}
