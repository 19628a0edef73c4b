using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>
/// <c>rewind unlock</c>: the way out the busy refusal names when a live operation hangs. An admin breaks the lock
/// with a reason, the audit names the holder, and the next operation runs.
/// </summary>
public sealed class UnlockCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(string who, params string[] args) =>
        CliRunner.RunAsync(_folder.Path, CliRunner.As(who), args);

    [Fact]
    public async Task An_admin_breaks_a_hung_operations_lock_with_a_reason_and_the_audit_names_the_holder()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
            roles:
              olga: [deployer, operator]
              ada: [admin]
            """);
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b"));
        Assert.Equal(3, (await Rewind("ada", "unlock", "--target", "env1", "--reason", "nothing holds it")).ExitCode);

        // The hung holder: a live process on this host, holding the lock well within its lease.
        using var hung = await HungLockHolder.TakeAsync(_folder.Combine("rewind.db"), "env1", "bob");
        var store = new SqliteControlPlaneStore(_folder.Combine("rewind.db"));

        var busy = await Rewind("olga", "deploy", bundle, "--target", "env1");
        Assert.Equal(3, busy.ExitCode);
        Assert.Contains("rewind unlock --target env1 --reason", busy.Stderr, StringComparison.Ordinal);

        var noReason = await Rewind("ada", "unlock", "--target", "env1", "--reason", " ");
        Assert.Equal(2, noReason.ExitCode);
        var notAdmin = await Rewind("olga", "unlock", "--target", "env1", "--reason", "looks stuck");
        Assert.Equal(3, notAdmin.ExitCode);
        Assert.Contains("admin role", notAdmin.Stderr, StringComparison.Ordinal);
        Assert.Equal("hung", (await store.GetLockAsync("env1"))?.Token);

        var unlock = await Rewind("ada", "unlock", "--target", "env1", "--reason", "deploy stuck on a hook for an hour", "--json");
        Assert.True(unlock.ExitCode == 0, unlock.ToString());
        Assert.Equal(hung.ProcessId, unlock.Json().GetProperty("broken").GetProperty("pid").GetInt32());
        Assert.Null(await store.GetLockAsync("env1"));

        var text = await Rewind("ada", "audit", "--operation", "unlock", "--json");
        var outcomes = text.Json().GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("outcome").GetString(), e.GetProperty("who").GetString())).ToList();
        Assert.Equal([("refused:not-locked", "ada"), ("refused:bad-input", "ada"), ("refused:not-authorized", "olga"), ("succeeded", "ada")], outcomes);
        var entry = text.Json().GetProperty("entries").EnumerateArray().Last();
        Assert.Equal("deploy stuck on a hook for an hour", entry.GetProperty("reason").GetString());
        Assert.Contains($"deploy by bob", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"process {hung.ProcessId}", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var deploy = await Rewind("olga", "deploy", bundle, "--target", "env1");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
    }

    [Theory]
    [InlineData("deploy", "beforeDeploy")]
    [InlineData("rollback", "beforeRollback")]
    public async Task A_hung_operation_whose_lock_was_broken_stops_before_committing_and_the_target_is_unchanged(string operation, string hook)
    {
        // The hook hangs, the first time it runs, until the test lets it go: an operation stuck in its before-hook,
        // holding the lock. Once the lock is broken, another operation runs to the end while the first still hangs.
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $$"""
            targets:
              env1:
                database: sqlite:env1.db
                hooks:
                  {{hook}}: ["if [ ! -f hook-started ]; then touch hook-started; while [ ! -f go ]; do sleep 0.05; done; fi"]
            notify:
              commands: ["echo \"$REWIND_EVENT $REWIND_OUTCOME\" >> events.log"]
            """);
        var first = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1"));
        var second = new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteTo(_folder.Combine("b2"));
        File.WriteAllText(_folder.Combine("hook-started"), "");
        Assert.Equal(0, (await Rewind("ada", "deploy", first, "--target", "env1")).ExitCode);
        if (operation == "rollback")
        {
            Assert.Equal(0, (await Rewind("ada", "deploy", second, "--target", "env1")).ExitCode);
        }

        File.Delete(_folder.Combine("hook-started"));
        string[] args = operation == "deploy" ? ["deploy", second, "--target", "env1"] : ["rollback", "--target", "env1", "--yes", "--reason", "test"];
        using var hung = CliRunner.Start(_folder.Path, CliRunner.As("bob"), args);
        var stdout = hung.StandardOutput.ReadToEndAsync();
        var stderr = hung.StandardError.ReadToEndAsync();
        for (var waited = 0; !File.Exists(_folder.Combine("hook-started")); waited++)
        {
            Assert.True(waited < 600 && !hung.HasExited, $"the {operation} never reached its hook");
            await Task.Delay(50);
        }

        var unlock = await Rewind("ada", "unlock", "--target", "env1", "--reason", "hook hung");
        Assert.True(unlock.ExitCode == 0, unlock.ToString());

        // The new holder does the same operation to the end; then the hung one wakes up.
        var next = await Rewind("ada", args);
        Assert.True(next.ExitCode == 0, next.ToString());
        var after = await ReadBodyAsync(_folder.Combine("env1.db"));
        var statusAfter = (await Rewind("ada", "status", "--target", "env1", "--json")).Json().GetProperty("targets")[0].ToString();
        var historyAfter = (await Rewind("ada", "history", "--target", "env1", "--json")).Json().ToString();
        File.WriteAllText(_folder.Combine("go"), "");
        await hung.WaitForExitAsync();

        Assert.Equal(4, hung.ExitCode);
        Assert.Contains($"the lock on target env1 was broken while this {operation} ran", await stderr, StringComparison.Ordinal);
        await stdout;

        // The woken operation changed nothing: neither the target nor the ledger the new holder wrote.
        Assert.Equal(operation == "deploy" ? "2" : "1", after);
        Assert.Equal(after, await ReadBodyAsync(_folder.Combine("env1.db")));
        Assert.Equal(statusAfter, (await Rewind("ada", "status", "--target", "env1", "--json")).Json().GetProperty("targets")[0].ToString());
        Assert.Equal(historyAfter, (await Rewind("ada", "history", "--target", "env1", "--json")).Json().ToString());

        // Whoever heard the hung rollback start hears it end, once: its own stop comes when its heartbeat kills the
        // hook or when the hook returns, before or after its successor's rollback.
        var events = (File.Exists(_folder.Combine("events.log")) ? await File.ReadAllLinesAsync(_folder.Combine("events.log")) : []).Select(e => e.Trim()).ToList();
        const string Stopped = "rollback-failed stopped: lock broken; nothing changed";
        Assert.Equal(operation == "deploy" ? [] : ["rollback-started", "rollback-started", "rollback-completed rolled-back"], events.Where(e => e != Stopped));
        Assert.Equal(operation == "deploy" ? 0 : 1, events.Count(e => e == Stopped));
    }

    [Fact]
    public async Task A_hook_that_never_returns_is_killed_by_its_own_process_once_its_lock_is_broken()
    {
        // The hook hangs for good: only the unlock can end it. The hung process notices at its next heartbeat
        // (a real process on the real clock: locks: makes that beat short, so the test does not wait out 10 s).
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            locks: {lease: 30s, heartbeat: 200ms}
            targets:
              env1:
                database: sqlite:env1.db
                hooks:
                  beforeDeploy: ["echo $$ > hook.pid; while true; do sleep 0.05; done"]
                  timeout: 10m
            """);
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b"));
        using var hung = CliRunner.Start(_folder.Path, CliRunner.As("bob"), ["deploy", bundle, "--target", "env1"]);
        var stderr = hung.StandardError.ReadToEndAsync();
        var stdout = hung.StandardOutput.ReadToEndAsync();
        for (var waited = 0; !File.Exists(_folder.Combine("hook.pid")) || (await File.ReadAllTextAsync(_folder.Combine("hook.pid"))).Trim().Length == 0; waited++)
        {
            Assert.True(waited < 600 && !hung.HasExited, "the deploy never reached its hook");
            await Task.Delay(50);
        }

        var hook = int.Parse((await File.ReadAllTextAsync(_folder.Combine("hook.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var unlock = await Rewind("ada", "unlock", "--target", "env1", "--reason", "hook hung");
        Assert.True(unlock.ExitCode == 0, unlock.ToString());

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await hung.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            // A failing run must not leave the deploy and its endless hook behind.
            if (!hung.HasExited)
            {
                hung.Kill(entireProcessTree: true);
            }
        }

        await stdout;
        Assert.Equal(4, hung.ExitCode);
        var message = await stderr;
        Assert.Contains("the lock on target env1 was broken while this deploy ran (its heartbeat found it gone), so it killed the command it was running", message, StringComparison.Ordinal);
        Assert.False(IsRunning(hook), $"the hook (process {hook}) still runs");
        Assert.Null(await ReadBodyAsync(_folder.Combine("env1.db")));
        Assert.Equal(0, (await Rewind("ada", "history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<string?> ReadBodyAsync(string database)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM rw_records WHERE key = 'a'";
        return await command.ExecuteScalarAsync() as string;
    }
}
