using Rewind.Tests.Support;

namespace Rewind.Tests.Releases;

/// <summary>Releases through the real executable: code slots switch with the metadata and roll back with it, whole.</summary>
public sealed class ReleaseTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Frontend => _folder.Combine("deploy", "frontend");

    /// <summary>A target with a frontend slot already running 1.0.0 (installed before Rewind), and a command-deployed backend.</summary>
    private async Task SetUpAsync(string frontendBaseline = "", bool installFrontend = true)
    {
        if (installFrontend)
        {
            Directory.CreateDirectory(Path.Combine(Frontend, "releases", "1.0.0"));
            await File.WriteAllTextAsync(Path.Combine(Frontend, "releases", "1.0.0", "index.html"), "v1");
            File.CreateSymbolicLink(Path.Combine(Frontend, "current"), Path.Combine("releases", "1.0.0"));
        }

        await File.WriteAllTextAsync(_folder.Combine("backend.version"), "1.0.0");
        await File.WriteAllTextAsync(_folder.Combine("switch.sh"), "if [ -e fail-switch ]; then echo \"registry refused $1\"; exit 1; fi\nprintf '%s' \"$1\" > backend.version\n");
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                code:
                  frontend:
                    deployer: directory
                    root: deploy/frontend
            {frontendBaseline}
                  backend:
                    deployer: command
                    deploy: sh ./switch.sh {"{version}"} {"{artifact}"}
                    current: cat backend.version
            """);
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("base").Upsert("platform", "workflow", "w", """{"v":1}""").WriteTo(_folder.Combine("b", "base")), "--target", "env1")).ExitCode);
    }

    private static BundleBuilder Release(string id = "2026.11-release", string version = "2.0.0") => new BundleBuilder(id)
        .Upsert("platform", "workflow", "w", """{"v":2,"n":1.50}""")
        .Upsert("apps", "rule", "r", "true")
        .Code("frontend", version, BundleBuilder.Zip(("index.html", $"v{version}"), ("app.js", "console.log(2)")))
        .CodeRef("backend", version, $"api:{version}");

    private string Current => Path.GetFileName(new FileInfo(Path.Combine(Frontend, "current")).LinkTarget!);

    [Fact]
    public async Task A_release_deploys_and_rolls_back_whole_code_and_metadata()
    {
        await SetUpAsync();
        var before = await SnapshotAsync();

        var deploy = await Rewind("deploy", Release().WriteTo(_folder.Combine("b", "rel")), "--target", "env1", "--json");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Equal("2.0.0", Current);
        Assert.Equal("v2.0.0", await File.ReadAllTextAsync(Path.Combine(Frontend, "current", "index.html")));
        Assert.Equal("2.0.0", await File.ReadAllTextAsync(_folder.Combine("backend.version")));
        var code = deploy.Json().GetProperty("code").EnumerateArray().ToDictionary(c => c.GetProperty("slot").GetString()!, c => c.GetProperty("from").GetString());
        Assert.Equal("1.0.0", code["frontend"]);
        Assert.Equal("1.0.0", code["backend"]);

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test", "--json");

        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Equal("1.0.0", Current);
        Assert.Equal("v1", await File.ReadAllTextAsync(Path.Combine(Frontend, "current", "index.html")));
        Assert.Equal(["index.html"], Directory.GetFiles(Path.Combine(Frontend, "releases", "1.0.0")).Select(Path.GetFileName));
        Assert.True(Directory.Exists(Path.Combine(Frontend, "releases", "2.0.0")), "release folders are immutable and kept");
        Assert.Equal("1.0.0", await File.ReadAllTextAsync(_folder.Combine("backend.version")));
        Assert.Null(before.FirstDifference(await SnapshotAsync()));

        var steps = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments")[0].GetProperty("steps")
            .EnumerateArray().Where(s => s.GetProperty("state").GetString() == "done").Select(s => s.GetProperty("step").GetString()).ToList();
        Assert.Equal(["lock", "capture and apply metadata", "switch backend to 2.0.0", "switch frontend to 2.0.0", "verify",
            "apply inverse metadata", "switch frontend to 1.0.0", "switch backend to 1.0.0", "verify"], steps);
    }

    [Fact]
    public async Task A_tampered_or_missing_artifact_is_refused_with_exit_2_and_nothing_changes()
    {
        await SetUpAsync();
        var before = await SnapshotAsync();
        var zip = BundleBuilder.Zip(("index.html", "v2"));
        var tampered = new BundleBuilder("tampered").Upsert("platform", "workflow", "w", "3").Code("frontend", "2.0.0", zip, declaredSha256: new string('0', 64));
        var missing = new BundleBuilder("missing").Upsert("platform", "workflow", "w", "3").Code("frontend", "2.0.0", zip);
        var missingPath = missing.WriteTo(_folder.Combine("b", "missing"));
        File.Delete(Path.Combine(missingPath, "artifacts", "frontend-2.0.0.zip"));

        var a = await Rewind("deploy", tampered.WriteTo(_folder.Combine("b", "tampered")), "--target", "env1");
        var b = await Rewind("deploy", missingPath, "--target", "env1");

        Assert.Equal(2, a.ExitCode);
        Assert.Contains("declares 0000", a.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, b.ExitCode);
        Assert.Contains("which is not in the bundle", b.Stderr, StringComparison.Ordinal);
        Assert.Equal("1.0.0", Current);
        Assert.False(Directory.Exists(Path.Combine(Frontend, "releases", "2.0.0")));
        Assert.Null(before.FirstDifference(await SnapshotAsync()));
        Assert.Equal(1, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());
    }

    [Fact]
    public async Task A_failing_slot_switch_during_rollback_freezes_the_target()
    {
        await SetUpAsync();
        Assert.Equal(0, (await Rewind("deploy", Release().WriteTo(_folder.Combine("b", "rel")), "--target", "env1")).ExitCode);
        await File.WriteAllTextAsync(_folder.Combine("fail-switch"), "");

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test");

        Assert.Equal(4, rollback.ExitCode);
        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal("frozen", status.GetProperty("state").GetString());
        Assert.Contains("could not be switched back", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("registry refused", status.GetProperty("reason").GetString(), StringComparison.Ordinal);

        File.Delete(_folder.Combine("fail-switch"));
        Assert.Equal(3, (await Rewind("deploy", Release("next", "3.0.0").WriteTo(_folder.Combine("b", "next")), "--target", "env1")).ExitCode);
        Assert.Equal(3, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test")).ExitCode);
    }

    [Fact]
    public async Task A_release_whose_prior_version_is_unknown_says_so_and_cannot_be_rolled_back()
    {
        await SetUpAsync(installFrontend: false);
        var deploy = await Rewind("deploy", Release().WriteTo(_folder.Combine("b", "rel")), "--target", "env1");
        Assert.Equal(0, deploy.ExitCode);
        Assert.Contains("cannot be rolled back", deploy.Stderr, StringComparison.Ordinal);

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test");
        Assert.Equal(3, rollback.ExitCode);
        Assert.Contains("frontend", rollback.Stderr, StringComparison.Ordinal);
        Assert.Equal("2.0.0", Current);
    }

    [Fact]
    public async Task A_baseline_names_the_version_running_before_the_first_release()
    {
        await SetUpAsync(frontendBaseline: "        baseline: 0.9.0", installFrontend: false);
        Directory.CreateDirectory(Path.Combine(Frontend, "releases", "0.9.0"));
        Assert.Equal(0, (await Rewind("deploy", Release().WriteTo(_folder.Combine("b", "rel")), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test")).ExitCode);
        Assert.Equal("0.9.0", Current);
    }

    [Fact]
    public async Task Bundle_values_reach_deploy_commands_as_data_never_as_shell()
    {
        await SetUpAsync();
        var evil = new BundleBuilder("evil").Upsert("platform", "workflow", "w", "5").CodeRef("backend", "2.0.0", "api:2.0.0\"; touch pwned; echo \"");

        var deploy = await Rewind("deploy", evil.WriteTo(_folder.Combine("b", "evil")), "--target", "env1");

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.False(File.Exists(_folder.Combine("pwned")), "a value from the bundle was executed by the shell");
        Assert.Equal("2.0.0", await File.ReadAllTextAsync(_folder.Combine("backend.version")));
    }

    private async Task<Rewind.Core.Targets.TargetSnapshot> SnapshotAsync()
    {
        await using var store = new Rewind.Sqlite.SqliteTargetStore(_folder.Combine("env1.db"));
        return await store.SnapshotAsync();
    }
}
