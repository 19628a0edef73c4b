using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>Groups and the patch train through the real executable: deploy --group, train, realign, status --group, clear.</summary>
public sealed class TrainCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task ConfigureAsync(string stages, string checks = "")
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              t1:
                database: sqlite:t1.db
              t2:
                database: sqlite:t2.db
            {checks}
              t3:
                database: sqlite:t3.db
            groups:
              eu:
                stages: {stages}
                soak: 10m
            roles:
              alice: [train-admin]
              bob: [deployer]
              cli-tester: [deployer, operator]
            """);
    }

    private string Bundle(int n) => new BundleBuilder($"b{n}")
        .Upsert("platform", "workflow", "approve", $$"""{"version":{{n}}}""")
        .Upsert("apps", "rule", $"rule-{n}", $"{n}")
        .WriteTo(_folder.Combine("bundles", $"b{n}"));

    private async Task<JsonElement> DeployGroupAsync(int n)
    {
        var result = await Rewind("deploy", Bundle(n), "--group", "eu", "--skip-soak", "--json", "--as", "bob");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json();
    }

    [Fact]
    public async Task Four_bundles_one_target_rolled_back_train_realign_and_clear_through_the_executable()
    {
        await ConfigureAsync("[[t1], [t2, t3]]");
        await DeployGroupAsync(1);
        await DeployGroupAsync(2);
        var rollback = await Rewind("rollback", "--target", "t2", "--yes", "--reason", "b2 broke invoicing");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());

        foreach (var n in new[] { 3, 4 })
        {
            var rollout = await DeployGroupAsync(n);
            Assert.Equal("completed", rollout.GetProperty("status").GetString());
            Assert.Equal(["t2"], rollout.GetProperty("skipped").EnumerateArray().Select(s => s.GetProperty("target").GetString()));
            Assert.Equal(["t1", "t3"], rollout.GetProperty("stages").EnumerateArray().SelectMany(s => s.GetProperty("deployed").EnumerateArray()).Select(d => d.GetProperty("target").GetString()).Order());
        }

        var train = await Rewind("train", "--group", "eu", "--json");
        Assert.True(train.ExitCode == 0, train.ToString());
        var matrix = train.Json();
        Assert.Equal(4, matrix.GetProperty("head").GetInt32());
        Assert.Equal(["b1", "b2", "b3", "b4"], matrix.GetProperty("bundles").EnumerateArray().Select(b => b.GetProperty("bundle").GetString()));
        var t2 = matrix.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "t2");
        Assert.Equal(["verified", "rolled-back", "skipped", "skipped"], t2.GetProperty("cells").EnumerateArray().Select(c => c.GetProperty("state").GetString()));
        Assert.Equal(1, t2.GetProperty("position").GetInt32());
        Assert.Equal("off-train", t2.GetProperty("state").GetString());
        var table = await Rewind("train", "--group", "eu");
        Assert.Contains("skipped", table.Stdout, StringComparison.Ordinal);

        var plan = await Rewind("realign", "--target", "t2", "--json");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var steps = plan.Json().GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([2, 3, 4], steps.Select(s => s.GetProperty("position").GetInt32()));
        Assert.Equal(["b2", "b3", "b4"], steps.Select(s => s.GetProperty("bundle").GetString()));
        Assert.Equal("matches", steps[0].GetProperty("match").GetString());

        var byBob = await Rewind("clear", "--target", "t2", "--reason", "looks fine", "--as", "bob", "--json");
        Assert.Equal(3, byBob.ExitCode);
        Assert.Contains("train-admin", byBob.Json().GetProperty("error").GetString(), StringComparison.Ordinal);
        var tooEarly = await Rewind("clear", "--target", "t2", "--reason", "looks fine", "--as", "alice");
        Assert.Equal(3, tooEarly.ExitCode);
        Assert.Contains("realign", tooEarly.Stderr, StringComparison.Ordinal);

        var apply = await Rewind("realign", "--target", "t2", "--apply", "--json", "--as", "alice");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Equal(["b2", "b3", "b4"], apply.Json().GetProperty("applied").EnumerateArray().Select(a => a.GetProperty("bundle").GetString()));

        var status = (await Rewind("status", "--group", "eu", "--json")).Json().GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.True(status["t2"].GetProperty("aligned").GetBoolean());
        Assert.Equal(status["t1"].GetProperty("fingerprint").GetString(), status["t2"].GetProperty("fingerprint").GetString());
        Assert.Equal("off-train", status["t2"].GetProperty("state").GetString());

        var clear = await Rewind("clear", "--target", "t2", "--reason", "realigned to b4", "--as", "alice", "--json");
        Assert.True(clear.ExitCode == 0, clear.ToString());
        Assert.Equal("on-train", clear.Json().GetProperty("state").GetString());
        var next = await DeployGroupAsync(5);
        Assert.Empty(next.GetProperty("skipped").EnumerateArray());
    }

    [Fact]
    public async Task A_stage_whose_check_fails_stops_the_rollout_with_exit_4_and_later_stages_are_unchanged()
    {
        await ConfigureAsync("[[t1], [t2], [t3]]", checks: """
                checks:
                  - name: stage-two
                    command: test ! -e fail-stage2
            """);
        await DeployGroupAsync(1);
        await File.WriteAllTextAsync(_folder.Combine("fail-stage2"), "");

        var result = await Rewind("deploy", Bundle(2), "--group", "eu", "--skip-soak", "--json");

        Assert.True(result.ExitCode == 4, result.ToString());
        var json = result.Json();
        Assert.Equal("stopped", json.GetProperty("status").GetString());
        Assert.Equal(2, json.GetProperty("stoppedAtStage").GetInt32());
        Assert.Contains("stage-two", json.GetProperty("stopReason").GetString(), StringComparison.Ordinal);
        var history3 = (await Rewind("history", "--target", "t3", "--json")).Json().GetProperty("deployments").EnumerateArray();
        Assert.Equal(["b1"], history3.Select(d => d.GetProperty("bundle").GetString()));
        var history2 = (await Rewind("history", "--target", "t2", "--json")).Json().GetProperty("deployments")[0];
        Assert.Equal("rolled-back", history2.GetProperty("status").GetString());
        var cells = (await Rewind("train", "--group", "eu", "--json")).Json().GetProperty("targets").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("cells")[1].GetProperty("state").GetString());
        Assert.Equal("verified", cells["t1"]);
        Assert.Equal("rolled-back", cells["t2"]);
        Assert.Equal("not-yet", cells["t3"]);
    }

    [Fact]
    public async Task Group_usage_errors_exit_2()
    {
        await ConfigureAsync("[[t1], [t2, t3]]");
        Assert.Equal(2, (await Rewind("deploy", Bundle(1), "--group", "eu", "--target", "t1")).ExitCode);
        Assert.Equal(2, (await Rewind("deploy", Bundle(1))).ExitCode);
        var unknown = await Rewind("train", "--group", "us");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown group 'us'", unknown.Stderr, StringComparison.Ordinal);

        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              t1: {database: "sqlite:t1.db"}
              t2: {database: "sqlite:t2.db"}
            groups:
              eu: {stages: [[t1], [t9]]}
              us: {stages: [[t1, t2]], soak: soon}
            """);
        var bad = await Rewind("status");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown target 't9'", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("already in group eu", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("not a duration", bad.Stderr, StringComparison.Ordinal);
    }
}
