using Rewind.Sqlite;
using Rewind.Tests.Support;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Cli;

/// <summary>The CLI through the real executable against SQLite files: verbs, --json shapes and exit codes.</summary>
public sealed class CliProcessTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task InitAsync()
    {
        var init = await Rewind("init", "--json");
        Assert.True(init.ExitCode == 0, init.ToString());
    }

    private string Bundle(BundleBuilder builder) => builder.WriteTo(_folder.Combine("bundles", builder.Id));

    [Fact]
    public async Task Deploy_status_history_rollback_and_clear_through_the_executable()
    {
        await InitAsync();
        var one = Bundle(new BundleBuilder("one").Upsert("platform", "workflow", "w", """{"v":1}"""));
        var two = Bundle(new BundleBuilder("two").Upsert("platform", "workflow", "w", """{"v":2}""").SimpleTable("tier", ("rank", "integer")));

        var first = await Rewind("deploy", one, "--target", "env1", "--reason", "nightly", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var firstId = first.Json().GetProperty("deployment").GetString();
        Assert.Equal("verified", first.Json().GetProperty("status").GetString());
        Assert.Equal("one", first.Json().GetProperty("bundle").GetString());

        var second = await Rewind("deploy", two, "--target", "env1", "--json");
        Assert.Equal(0, second.ExitCode);
        var secondId = second.Json().GetProperty("deployment").GetString();

        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal("env1", status.GetProperty("name").GetString());
        Assert.Equal("on-train", status.GetProperty("state").GetString());
        Assert.Equal(secondId, status.GetProperty("last").GetString());

        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal([secondId, firstId], history.EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        Assert.Equal("cli-tester", history[0].GetProperty("who").GetString());

        var unconfirmed = await Rewind("rollback", "--target", "env1", "--reason", "ticket 42");
        Assert.Equal(3, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Stderr, StringComparison.Ordinal);

        var outOfOrder = await Rewind("rollback", "--target", "env1", "--deployment", firstId!, "--yes", "--reason", "test", "--json");
        Assert.Equal(3, outOfOrder.ExitCode);
        Assert.Equal(3, outOfOrder.Json().GetProperty("code").GetInt32());
        Assert.Contains(secondId!, outOfOrder.Json().GetProperty("error").GetString(), StringComparison.Ordinal);

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "ticket 42", "--json");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        var rolled = rollback.Json();
        Assert.Equal(secondId, rolled.GetProperty("deployment").GetString());
        Assert.Equal("rolled-back", rolled.GetProperty("status").GetString());
        Assert.Equal("off-train", rolled.GetProperty("state").GetString());
        Assert.Equal("tier", rolled.GetProperty("impact").GetProperty("quarantined")[0].GetProperty("table").GetString());

        var again = await Rewind("rollback", "--target", "env1", "--deployment", secondId!, "--yes", "--reason", "test");
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("already rolled back", again.Stderr, StringComparison.Ordinal);

        var held = await Rewind("deploy", two, "--target", "env1");
        Assert.Equal(3, held.ExitCode);
        Assert.Contains("off the train", held.Stderr, StringComparison.Ordinal);
        Assert.Equal("off-train", (await Rewind("status", "--json")).Json().GetProperty("targets")[0].GetProperty("state").GetString());

        var clear = await Rewind("clear", "--target", "env1", "--reason", "fixed upstream", "--json");
        Assert.Equal(0, clear.ExitCode);
        Assert.Equal("on-train", clear.Json().GetProperty("state").GetString());
        var redeploy = await Rewind("deploy", two, "--target", "env1", "--json");
        Assert.True(redeploy.ExitCode == 0, redeploy.ToString());

        var text = await Rewind("history", "--target", "env1");
        Assert.Contains("rolled back " + secondId, text.Stdout, StringComparison.Ordinal);
        Assert.Contains("ticket 42", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_bundle_exits_2_naming_the_problem_and_changes_nothing()
    {
        await InitAsync();
        Assert.Equal(0, (await Rewind("deploy", Bundle(new BundleBuilder("ok").Upsert("platform", "rule", "a", "1")), "--target", "env1")).ExitCode);
        var bad = Bundle(new BundleBuilder("bad").Raw("records/platform/rule.ndjson", "{\"key\":\"a\",\"body\":2}\n{\"key\":\"b\",\"body\":\n"));

        var result = await Rewind("deploy", bad, "--target", "env1", "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(2, result.Json().GetProperty("code").GetInt32());
        Assert.Contains("records/platform/rule.ndjson, line 2", result.Stderr, StringComparison.Ordinal);
        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal(1, history.GetArrayLength());
        var provider = new SqliteProvider();
        Assert.Equal("1", await provider.ScalarAsync("sqlite:" + _folder.Combine("env1.db"), "SELECT body FROM rw_records WHERE key = 'a'"));
    }

    [Fact]
    public async Task Unknown_target_and_bad_configuration_exit_2()
    {
        await InitAsync();
        var unknown = await Rewind("status", "--target", "nope");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown target 'nope'", unknown.Stderr, StringComparison.Ordinal);

        await File.WriteAllTextAsync(_folder.Combine("bad.yaml"), "store: sqlite:x.db\ntargets:\n  env1:\n    database: sqlite:env1.db\n    colour: blue\nsurprise: 1\n");
        var bad = await Rewind("status", "--config", _folder.Combine("bad.yaml"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("line 5: unknown key 'colour'", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 6: unknown key 'surprise'", bad.Stderr, StringComparison.Ordinal);

        var usage = await Rewind("deploy");
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public async Task A_live_lock_refuses_with_its_holder_and_a_dead_holders_lock_is_taken_over()
    {
        await InitAsync();
        var bundle = Bundle(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        var store = new SqliteControlPlaneStore(_folder.Combine("rewind.db"));
        var now = DateTimeOffset.UtcNow;
        var live = new LockHolder("env1", "t1", "rollback", "alice", Environment.MachineName, Environment.ProcessId, now, now.AddMinutes(5));
        Assert.Null(await store.TryAcquireLockAsync(live, _ => false));

        var busy = await Rewind("deploy", bundle, "--target", "env1");
        Assert.Equal(3, busy.ExitCode);
        Assert.Contains("target env1 is busy: rollback by alice", busy.Stderr, StringComparison.Ordinal);

        // A holder whose process is gone must never block the next operation, even within its lease.
        using (var dead = System.Diagnostics.Process.Start("true")!)
        {
            await dead.WaitForExitAsync();
            await store.ReleaseLockAsync("env1", "t1");
            Assert.Null(await store.TryAcquireLockAsync(live with { Token = "t2", ProcessId = dead.Id }, _ => false));
        }

        var deploy = await Rewind("deploy", bundle, "--target", "env1");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Null(await store.GetLockAsync("env1"));
    }

    [Fact]
    public async Task Rollback_with_nothing_deployed_exits_3_and_says_why()
    {
        await InitAsync();
        var result = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("nothing to roll back", result.Stderr, StringComparison.Ordinal);

        // Refused without touching the target: its database (never deployed to) is not created by the attempt.
        Assert.False(File.Exists(_folder.Combine("env1.db")), "the refused rollback created the target's database");
        var recover = await Rewind("recover", "--target", "env1");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.False(File.Exists(_folder.Combine("env1.db")), "recover created the target's database");
    }

    [Fact]
    public async Task Inverse_bundles_can_be_inspected_and_exported()
    {
        await InitAsync();
        await Rewind("deploy", Bundle(new BundleBuilder("one").Upsert("platform", "rule", "a", "1")), "--target", "env1");
        var deploy = (await Rewind("deploy", Bundle(new BundleBuilder("two").Upsert("platform", "rule", "a", "2").Upsert("platform", "rule", "b", "3")), "--target", "env1", "--json")).Json();
        var inverse = deploy.GetProperty("inverse").GetString()!;

        var inspect = await Rewind("bundle", "inspect", inverse, "--json");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Equal("inverse-of-two", inspect.Json().GetProperty("id").GetString());
        Assert.Equal(2, inspect.Json().GetProperty("records").GetInt64());

        var export = await Rewind("bundle", "export", inverse, "--to", _folder.Combine("exported"));
        Assert.Equal(0, export.ExitCode);
        var lines = await File.ReadAllLinesAsync(_folder.Combine("exported", "records", "platform", "rule.ndjson"));
        Assert.Equal(["{\"key\":\"a\",\"body\":1}", "{\"key\":\"b\",\"delete\":true}"], lines);
    }

    [Fact]
    public async Task Diff_reports_what_would_change_without_changing_it()
    {
        await InitAsync();
        await Rewind("deploy", Bundle(new BundleBuilder("one").Upsert("platform", "rule", "a", "1").Upsert("platform", "rule", "b", "1")), "--target", "env1");
        var diff = await Rewind("diff", Bundle(new BundleBuilder("two").Upsert("platform", "rule", "a", "2").Upsert("platform", "rule", "b", "1").Upsert("platform", "rule", "c", "1").Delete("platform", "rule", "zz")), "--target", "env1", "--json");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        var records = diff.Json().GetProperty("records");
        Assert.Equal(1, records.GetProperty("added").GetInt64());
        Assert.Equal(1, records.GetProperty("changed").GetInt64());
        Assert.Equal(1, records.GetProperty("unchanged").GetInt64());
        Assert.Equal(1, records.GetProperty("deletesOfAbsent").GetInt64());
        Assert.Equal(1, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());
    }

    [Fact]
    public async Task The_demo_runs_start_to_finish()
    {
        var demo = await Rewind("demo");
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("Demo complete", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("refused (exit 3)", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("rw_quarantine_", demo.Stdout, StringComparison.Ordinal);
    }
}
