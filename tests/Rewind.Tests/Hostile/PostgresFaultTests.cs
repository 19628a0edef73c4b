using System.Diagnostics;
using Npgsql;
using Rewind.Core;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Hostile;

/// <summary>Faults on a PostgreSQL target: its connection killed by the server in the middle of apply.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFaultTests(PostgresServerFixture server)
{
    [PostgresFact]
    public async Task A_connection_terminated_during_apply_leaves_the_target_before_or_after_as_the_journal_says_and_the_rerun_finishes()
    {
        var provider = new PostgresProvider(server);
        await using var harness = await EngineHarness.CreateAsync(provider);
        await harness.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1").SimpleTable("tier", ("rank", "integer")).DataCopy("tier", """{"id":"g","rank":1}"""));
        var before = await harness.SnapshotAsync();
        var big = new BundleBuilder("big").DataCopy("tier", Enumerable.Range(0, 20_000).Select(i => $$"""{"id":"t{{i}}","rank":{{i}}}""").ToArray());
        for (var i = 0; i < 100_000; i++)
        {
            big.Upsert("platform", "rule", $"k{i}", $$"""{"n":{{i}},"pad":"{{new string('p', 100)}}"}""");
        }

        var bundle = harness.Write(big);
        var database = new NpgsqlConnectionStringBuilder(PostgresProvider.ConnectionString(harness.Database())).Database!;
        var deploy = harness.Engine.DeployAsync(new DeployRequest(bundle, "env1", "tester", "terminated"));

        // Wait until Rewind's apply transaction is open on the target, let it get into the bulk work, then kill it.
        var terminated = 0L;
        var clock = Stopwatch.StartNew();
        while (!deploy.IsCompleted && terminated == 0 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            var open = Convert.ToInt64(await provider.ScalarAsync(harness.Database(),
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query ILIKE '%advisory%' OR (datname = '{database}' AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE '%rw_records%')"),
                System.Globalization.CultureInfo.InvariantCulture);
            if (open > 0)
            {
                await Task.Delay(300);
                terminated = Convert.ToInt64(await provider.ScalarAsync(harness.Database(),
                    $"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()) t"),
                    System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                await Task.Delay(20);
            }
        }

        Assert.True(terminated > 0, "the deploy finished before its connection could be terminated");
        var error = await Assert.ThrowsAnyAsync<RewindException>(() => deploy);
        Assert.Equal(4, error.ExitCode);
        NpgsqlConnection.ClearAllPools();

        var interrupted = (await harness.Engine.HistoryAsync("env1"))[0];
        Assert.Equal("big", interrupted.BundleId);
        var afterFault = await harness.SnapshotAsync();
        if (interrupted.Status == DeploymentStatus.Failed)
        {
            Assert.Null(before.FirstDifference(afterFault));
            Assert.Contains("the target is unchanged", error.Message, StringComparison.Ordinal);
        }
        else
        {
            // Killed after the commit: the change is whole, and the journal says it is applied.
            Assert.True(interrupted.IsApplied, $"unexpected status {interrupted.Status}");
            Assert.Equal(100_001L, Convert.ToInt64(await harness.ScalarAsync("SELECT count(*) FROM rw_records WHERE type = 'rule'"), System.Globalization.CultureInfo.InvariantCulture));
        }

        // The same command again finishes it, and the inverse it captured still rolls back exactly.
        var rerun = await harness.Engine.DeployAsync(new DeployRequest(bundle, "env1", "tester", "after the fault"));
        Assert.True(rerun.Deployment.IsApplied, rerun.Deployment.Error);
        Assert.Equal(20_000L, Convert.ToInt64(await harness.ScalarAsync("SELECT count(*) FROM tier"), System.Globalization.CultureInfo.InvariantCulture));
        await harness.RollbackAsync();
        Assert.Null(before.FirstDifference(await harness.SnapshotAsync()));
    }
}
