using System.Diagnostics;
using Npgsql;
using Rewind.Tests.Support;

namespace Rewind.Tests.Postgres;

/// <summary>The real executable against a PostgreSQL target and control plane: concurrent processes and SIGKILL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresProcessTests(PostgresServerFixture server) : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly PostgresProvider _provider = new(server);
    private string _target = "";
    private string _store = "";

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task ConfigureAsync(string hooks = "")
    {
        _target = await _provider.CreateTargetDatabaseAsync(_folder, "env1");
        _store = await _provider.CreateControlPlaneAsync(_folder);
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: "{_store}"
            targets:
              env1:
                database: "{_target}"
            {hooks}
            """);
    }

    [PostgresFact]
    public async Task Two_rollbacks_started_at_the_same_moment_roll_back_once_and_the_other_is_told_who_holds_the_target()
    {
        // The hook keeps the winner inside its rollback long enough that the two certainly overlap.
        await ConfigureAsync(hooks: """
                hooks:
                  beforeRollback: ["sleep 2"]
            """);
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteTo(_folder.Combine("b2")), "--target", "env1")).ExitCode);

        var results = await Task.WhenAll(
            CliRunner.RunAsync(_folder.Path, CliRunner.As("alice"), "rollback", "--target", "env1", "--yes", "--reason", "test"),
            CliRunner.RunAsync(_folder.Path, CliRunner.As("bob"), "rollback", "--target", "env1", "--yes", "--reason", "test"));

        Assert.Equal([0, 3], results.Select(r => r.ExitCode).Order());
        var winner = results.Single(r => r.ExitCode == 0);
        var loser = results.Single(r => r.ExitCode == 3);
        var winnerName = winner == results[0] ? "alice" : "bob";
        Assert.Contains($"target env1 is busy: rollback by {winnerName} since", loser.Stderr, StringComparison.Ordinal);
        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal(["rolled-back", "verified"], history.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.Equal("1", await _provider.ScalarAsync(_target, "SELECT body FROM rw_records WHERE key = 'a'"));
    }

    [PostgresFact]
    public async Task A_deploy_killed_mid_apply_leaves_the_target_exactly_as_before_and_the_next_deploy_succeeds()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").SimpleTable("tier", ("rank", "integer")).WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);
        await using var targetStore = new Rewind.Postgres.PostgresTargetStore(PostgresProvider.ConnectionString(_target), "public");
        var before = await targetStore.SnapshotAsync();
        var big = new BundleBuilder("big").DataCopy("tier", Enumerable.Range(0, 20_000).Select(i => $"{{\"id\":\"t{i}\",\"rank\":{i}}}").ToArray());
        for (var i = 0; i < 150_000; i++)
        {
            big.Upsert("platform", "rule", $"k{i}", $"{{\"n\":{i},\"pad\":\"{new string('p', 200)}\"}}");
        }

        var bundle = big.WriteTo(_folder.Combine("big"));
        using (var process = CliRunner.Start(_folder.Path, null, "deploy", bundle, "--target", "env1"))
        {
            // Kill once the apply step has started (the journal says so), in the middle of the bulk work.
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2) && !await ApplyStartedAsync())
            {
                await Task.Delay(10);
            }

            await Task.Delay(300);
            Assert.False(process.HasExited, "the deploy finished before it could be killed");
            process.Kill();
            await process.WaitForExitAsync();
        }

        // The server aborts the dead session's transaction; give it a moment to notice the closed socket.
        for (var i = 0; i < 50 && await ActiveRewindSessionsAsync() > 0; i++)
        {
            await Task.Delay(100);
        }

        Assert.Null(before.FirstDifference(await targetStore.SnapshotAsync()));
        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.True(status.GetProperty("busy").ValueKind == System.Text.Json.JsonValueKind.Null, "the killed process's lock is still reported held");

        var next = await Rewind("deploy", new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteTo(_folder.Combine("b2")), "--target", "env1", "--json");
        Assert.True(next.ExitCode == 0, next.ToString());
        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal(["verified", "failed", "verified"], history.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.Contains("interrupted before it applied", history[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private async Task<bool> ApplyStartedAsync()
    {
        try
        {
            var started = await _provider.ScalarAsync(_store, "SELECT count(*) FROM rw_ledger_deployments WHERE document::json->>'bundleId' = 'big' AND document::text LIKE '%capture and apply metadata%'");
            return Convert.ToInt64(started, System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    private async Task<long> ActiveRewindSessionsAsync()
    {
        var database = new NpgsqlConnectionStringBuilder(PostgresProvider.ConnectionString(_target)).Database;
        return Convert.ToInt64(await _provider.ScalarAsync(_target, $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid() AND state <> 'idle'"), System.Globalization.CultureInfo.InvariantCulture);
    }
}
