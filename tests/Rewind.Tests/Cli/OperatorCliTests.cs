using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>The operator at 3 AM: the question on a real terminal, output that survives pipes and CI logs, a dry run that changes nothing.</summary>
public sealed class OperatorCliTests : IDisposable
{
    private static readonly string LongReason = "INC-4711 " + string.Concat(Enumerable.Repeat("checkout-approval-regression ", 8)).Trim()[..191];

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task<string> DeployTwoAsync(string? reason = null)
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);
        var one = new BundleBuilder("one").Upsert("platform", "workflow", "w", """{"v":1}""").WriteTo(_folder.Combine("bundles", "one"));
        var two = new BundleBuilder("two").Upsert("platform", "workflow", "w", """{"v":2}""").Upsert("platform", "rule", "r", """{"max":3}""")
            .SimpleTable("tier", ("rank", "integer")).DataCopy("tier", """{"id":"gold","rank":1}""").WriteTo(_folder.Combine("bundles", "two"));
        Assert.Equal(0, (await Rewind("deploy", one, "--target", "env1")).ExitCode);
        var second = await Rewind(["deploy", two, "--target", "env1", "--json", .. reason is null ? Array.Empty<string>() : ["--reason", reason]]);
        Assert.True(second.ExitCode == 0, second.ToString());
        return two;
    }

    [Fact]
    public async Task Rollback_on_a_pty_shows_the_question_before_the_answer_n_changes_nothing_y_rolls_back()
    {
        await DeployTwoAsync();

        var no = await PtyRunner.RunAsync(_folder.Path, "[y/N]", "n", "rollback", "--target", "env1", "--reason", "INC-1");
        Assert.True(no.SeenBeforeAnswer, no.ToString());
        Assert.Contains("Roll back d0002 (two) on env1?", no.Before, StringComparison.Ordinal);
        Assert.True(no.ExitCode == 3, no.ToString());
        Assert.Contains("nothing was changed", no.After, StringComparison.Ordinal);
        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal(("on-train", "d0002"), (status.GetProperty("state").GetString(), status.GetProperty("last").GetString()));

        var yes = await PtyRunner.RunAsync(_folder.Path, "[y/N]", "y", "rollback", "--target", "env1", "--reason", "INC-1");
        Assert.True(yes.SeenBeforeAnswer, yes.ToString());
        Assert.True(yes.ExitCode == 0, yes.ToString());
        Assert.Contains("Rolled back", yes.After, StringComparison.Ordinal);
        status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal(("off-train", "d0001"), (status.GetProperty("state").GetString(), status.GetProperty("last").GetString()));
    }

    [Fact]
    public async Task Piped_history_audit_and_bundle_inspect_keep_a_200_character_reason_on_one_line()
    {
        Assert.Equal(200, LongReason.Length);
        var two = await DeployTwoAsync(LongReason);
        var longKey = "key-" + new string('k', 196);
        var inspected = new BundleBuilder("long-" + new string('x', 190)).Upsert("platform", "workflow", longKey, "{}").WriteTo(_folder.Combine("bundles", "long"));

        foreach (var (args, expected) in new[]
        {
            (new[] { "history", "--target", "env1" }, LongReason),
            (["audit"], LongReason),
            (["bundle", "inspect", inspected], "long-" + new string('x', 190)),
        })
        {
            var result = await Rewind(args);
            Assert.True(result.ExitCode == 0, result.ToString());
            var line = result.Stdout.Split('\n').FirstOrDefault(l => l.Contains(expected, StringComparison.Ordinal));
            Assert.True(line is not null, $"rewind {string.Join(' ', args)} broke the 200 characters across lines:\n{result.Stdout}");
            Assert.DoesNotContain('│', result.Stdout);
        }

        Assert.NotNull(two);
    }

    [Fact]
    public async Task Piped_status_and_history_are_one_unpadded_line_per_row_even_for_a_target_needing_investigation()
    {
        await DeployTwoAsync(LongReason);
        var config = _folder.Combine("rewind.yaml");
        await File.WriteAllTextAsync(config, System.Text.RegularExpressions.Regex.Replace(await File.ReadAllTextAsync(config), "(?m)^rollbackBudget: .*$", "rollbackBudget: 1ms"));
        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "INC-2");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());

        var status = (await Rewind("status")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var history = (await Rewind("history", "--target", "env1")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, status.Length);
        Assert.StartsWith("env1  off-train; needs investigation (over budget: d0002; rewind ack)  d0001 one", status[1], StringComparison.Ordinal);
        Assert.All(status.Concat(history), l => Assert.Equal(l.TrimEnd(), l));
        Assert.StartsWith("d0002  two  rolled-back  ", history[1], StringComparison.Ordinal);
        Assert.EndsWith("  " + LongReason, history[1], StringComparison.Ordinal);
        Assert.StartsWith("d0001  one  verified  ", history[2], StringComparison.Ordinal);
        Assert.True(history[2].Length < 100, $"the other rows are padded to the long reason: {history[2]}");
    }

    [Fact]
    public async Task Text_audit_shows_the_detail_the_json_carries_and_no_lone_arrow_for_a_refusal()
    {
        await DeployTwoAsync();
        var refused = await Rewind("rollback", "--target", "env1", "--deployment", "d0001", "--yes", "--reason", "INC-3");
        Assert.True(refused.ExitCode == 3, refused.ToString());

        var json = (await Rewind("audit", "--json")).Json().GetProperty("entries").EnumerateArray().Last();
        var text = (await Rewind("audit")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var detail = json.GetProperty("detail").GetString()!;
        Assert.Contains("is not the newest applied deployment", detail, StringComparison.Ordinal);
        Assert.Contains("detail", text[0], StringComparison.Ordinal);
        var line = text.Single(l => l.Contains("refused:not-newest", StringComparison.Ordinal));
        Assert.EndsWith("  INC-3  " + detail, line, StringComparison.Ordinal);
        Assert.DoesNotContain("→", line, StringComparison.Ordinal);
        Assert.Contains(text, l => l.Contains("(d0001) → two (d0002)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_a_terminal_COLUMNS_sets_the_width_tables_are_drawn_in()
    {
        var reason = "INC-4711 " + new string('r', 111);
        await DeployTwoAsync(reason);

        var wide = await PtyRunner.RunAsync(_folder.Path, new Dictionary<string, string> { ["COLUMNS"] = "220" }, "cli-tester", "", "history", "--target", "env1");

        Assert.True(wide.ExitCode == 0, wide.ToString());
        Assert.Contains('│', wide.Before + wide.After);
        Assert.Contains(reason, wide.Before + wide.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_dry_run_lists_what_would_change_and_leaves_target_ledger_and_audit_byte_identical()
    {
        await DeployTwoAsync();
        var before = Snapshot();

        var dry = await Rewind("rollback", "--target", "env1", "--dry-run", "--json");

        Assert.True(dry.ExitCode == 0, dry.ToString());
        var json = dry.Json();
        Assert.Equal("d0002", json.GetProperty("deployment").GetProperty("id").GetString());
        Assert.Equal("d0001", json.GetProperty("backTo").GetProperty("id").GetString());
        var changes = json.GetProperty("changes").EnumerateArray().Select(c => $"{c.GetProperty("change").GetString()} {c.GetProperty("type").GetString()}/{c.GetProperty("key").GetString()}").ToList();
        Assert.Contains("change workflow/w", changes);
        Assert.Contains("delete rule/r", changes);
        Assert.Contains(json.GetProperty("tables").EnumerateArray(), t => t.GetProperty("table").GetString() == "tier" && t.GetProperty("change").GetString() == "quarantine");
        Assert.Equal(JsonValueKind.Array, json.GetProperty("code").ValueKind);
        Assert.Equal(before, Snapshot());

        var text = await Rewind("rollback", "--target", "env1", "--dry-run");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("nothing was changed", text.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Diff_plan_status_history_and_inspect_on_a_missing_sqlite_target_say_so_and_leave_no_file_behind()
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);
        var bundle = new BundleBuilder("one").Upsert("platform", "workflow", "w", "{}").SimpleTable("tier").WriteTo(_folder.Combine("bundles", "one"));
        Assert.False(File.Exists(_folder.Combine("env1.db")));

        var diff = await Rewind("diff", bundle, "--target", "env1");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("does not exist yet", diff.Stdout, StringComparison.Ordinal);
        var json = (await Rewind("diff", bundle, "--target", "env1", "--json")).Json();
        Assert.True(json.GetProperty("targetMissing").GetBoolean());
        Assert.Equal(2, json.GetProperty("records").GetProperty("added").GetInt64());
        Assert.Equal(0, (await Rewind("plan", bundle, "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("quarantine", "list")).ExitCode);
        Assert.False((await Rewind("status", "--json")).Json().GetProperty("targets")[0].GetProperty("databaseExists").GetBoolean());
        Assert.Contains("does not exist yet", (await Rewind("status")).Stdout, StringComparison.Ordinal);
        Assert.Contains("No deployments on env1 yet", (await Rewind("history", "--target", "env1")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("bundle", "inspect", bundle)).ExitCode);

        Assert.Empty(Directory.EnumerateFiles(_folder.Path, "env1.db*"));
    }

    /// <summary>Every file of the folder (target, ledger and audit databases, artifacts) with its bytes, as hex; SQLite's shared-memory index aside.</summary>
    private SortedDictionary<string, string> Snapshot() => new(
        Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(_folder.Path, f), f => Convert.ToHexString(File.ReadAllBytes(f))),
        StringComparer.Ordinal);
}
