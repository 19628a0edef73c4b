using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>The group's rules through the real executable: deploys to members go through the train, and whole-group rollback.</summary>
public sealed class GroupRulesCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task ConfigureAsync(string extra = "")
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              t1: {"{"}database: "sqlite:t1.db"{"}"}
              t2: {"{"}database: "sqlite:t2.db"{"}"}
              t3: {"{"}database: "sqlite:t3.db"{"}"}
            groups:
              eu:
                stages: [[t1], [t2], [t3]]
            {extra}
            """);
    }

    private string Bundle(int n) => GroupEngine.Patch(n).WriteTo(_folder.Combine("bundles", $"b{n}"));

    private async Task<JsonElement> DeployGroupAsync(int n)
    {
        var result = await Rewind("deploy", Bundle(n), "--group", "eu", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json();
    }

    private async Task<string?> StateAsync(string target) =>
        (await Rewind("status", "--target", target, "--json")).Json().GetProperty("targets")[0].GetProperty("state").GetString();

    [Fact]
    public async Task Deploy_target_to_a_member_exits_3_naming_the_group_and_outside_train_lands_diverged_and_the_rollout_reports_it()
    {
        await ConfigureAsync();
        await DeployGroupAsync(1);

        var refused = await Rewind("deploy", Bundle(2), "--target", "t2", "--reason", "hotfix");
        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("member of group eu", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("rewind deploy BUNDLE --group eu", refused.Stderr, StringComparison.Ordinal);
        var refusedJson = await Rewind("deploy", Bundle(2), "--target", "t2", "--json");
        Assert.Equal(3, refusedJson.Json().GetProperty("code").GetInt32());
        Assert.Equal(2, (await Rewind("deploy", Bundle(2), "--target", "t2", "--outside-train")).ExitCode);
        Assert.Equal("on-train", await StateAsync("t2"));

        var outside = await Rewind("deploy", Bundle(2), "--target", "t2", "--outside-train", "--reason", "partner hotfix INC-7");
        Assert.True(outside.ExitCode == 0, outside.ToString());
        Assert.Contains("diverged", outside.Stdout, StringComparison.Ordinal);
        Assert.Equal("diverged", await StateAsync("t2"));
        var audit = (await Rewind("audit", "--json")).Stdout;
        Assert.Contains("partner hotfix INC-7", audit, StringComparison.Ordinal);
        Assert.Contains("outside group eu's train", audit, StringComparison.Ordinal);

        var rollout = await DeployGroupAsync(3);
        var skipped = Assert.Single(rollout.GetProperty("skipped").EnumerateArray());
        Assert.Equal("t2", skipped.GetProperty("target").GetString());
        Assert.Equal("diverged", skipped.GetProperty("state").GetString());
        var text = await Rewind("deploy", Bundle(4), "--group", "eu");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("t2: skipped, diverged", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_group_asks_one_question_on_a_terminal_and_rolls_back_last_stage_first_moving_the_head_back()
    {
        await ConfigureAsync();
        await DeployGroupAsync(1);
        await DeployGroupAsync(2);

        var piped = await Rewind("rollback", "--group", "eu", "--reason", "INC-9");
        Assert.True(piped.ExitCode == 3, piped.ToString());
        Assert.Contains("pass --yes", piped.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await Rewind("rollback", "--group", "eu", "--yes")).ExitCode);
        Assert.Equal(2, (await Rewind("rollback", "--group", "eu", "--target", "t1", "--yes", "--reason", "x")).ExitCode);

        var no = await PtyRunner.RunAsync(_folder.Path, "[y/N]", "n", "rollback", "--group", "eu", "--reason", "INC-9");
        Assert.True(no.SeenBeforeAnswer, no.ToString());
        Assert.Contains("Roll back b2 on 3 members of group eu?", no.Before, StringComparison.Ordinal);
        Assert.True(no.Before.IndexOf("t3", StringComparison.Ordinal) < no.Before.IndexOf("t1", StringComparison.Ordinal), no.Before);
        Assert.True(no.ExitCode == 3, no.ToString());
        Assert.Equal(2, (await Rewind("train", "--group", "eu", "--json")).Json().GetProperty("head").GetInt32());

        var yes = await PtyRunner.RunAsync(_folder.Path, "[y/N]", "y", "rollback", "--group", "eu", "--reason", "INC-9");
        Assert.True(yes.ExitCode == 0, yes.ToString());
        Assert.Contains("moved back from position 2 to 1", yes.After, StringComparison.Ordinal);
        Assert.Equal(1, (await Rewind("train", "--group", "eu", "--json")).Json().GetProperty("head").GetInt32());
        Assert.Equal("on-train", await StateAsync("t2"));
    }

    [Fact]
    public async Task Rollback_group_refuses_with_exit_3_naming_the_member_that_cannot_and_members_rolls_back_the_rest_as_json()
    {
        await ConfigureAsync();
        await DeployGroupAsync(1);
        await DeployGroupAsync(2);
        var outside = await Rewind("deploy", Bundle(9), "--target", "t2", "--outside-train", "--reason", "partner hotfix");
        Assert.True(outside.ExitCode == 0, outside.ToString());

        var refused = await Rewind("rollback", "--group", "eu", "--reason", "INC-9", "--yes", "--json");
        Assert.True(refused.ExitCode == 3, refused.ToString());
        var error = refused.Json().GetProperty("error").GetString();
        Assert.Contains("t2: b2", error, StringComparison.Ordinal);
        Assert.Contains("--members t1,t3", error, StringComparison.Ordinal);
        var dry = (await Rewind("rollback", "--group", "eu", "--dry-run", "--json")).Json();
        Assert.False(dry.GetProperty("runnable").GetBoolean());

        var rest = await Rewind("rollback", "--group", "eu", "--members", "t1,t3", "--reason", "INC-9", "--yes", "--json");
        Assert.True(rest.ExitCode == 0, rest.ToString());
        var json = rest.Json();
        Assert.Equal([("t3", "rolled-back"), ("t1", "rolled-back"), ("t2", "left-out")],
            json.GetProperty("members").EnumerateArray().Select(m => (m.GetProperty("target").GetString(), m.GetProperty("outcome").GetString())));
        Assert.Equal((2, 1), (json.GetProperty("trainHead").GetProperty("from").GetInt32(), json.GetProperty("trainHead").GetProperty("to").GetInt32()));
        Assert.Equal("on-train", await StateAsync("t1"));
    }

    [Fact]
    public async Task A_parallel_that_is_not_a_whole_number_from_1_is_exit_2_naming_the_group()
    {
        await ConfigureAsync();
        await File.AppendAllTextAsync(_folder.Combine("rewind.yaml"), "    parallel: 0\n");

        var bad = await Rewind("status");

        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("group eu: parallel must be a whole number from 1 to 256", bad.Stderr, StringComparison.Ordinal);
    }
}
