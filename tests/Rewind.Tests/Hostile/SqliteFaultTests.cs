using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Hostile;

/// <summary>Faults around a SQLite target, through the real executable: a target locked by another process, a broken config.</summary>
public sealed class SqliteFaultTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Bundle(BundleBuilder builder) => builder.WriteTo(_folder.Combine("bundles", builder.Id));

    [Fact]
    public async Task A_target_locked_by_another_process_is_refused_with_exit_3_after_the_busy_timeout_and_the_rerun_succeeds()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
                busyTimeout: 1s

            """);
        Assert.Equal(0, (await Rewind("deploy", Bundle(new BundleBuilder("one").Upsert("platform", "rule", "a", "1")), "--target", "env1")).ExitCode);
        await using var target = new SqliteTargetStore(_folder.Combine("env1.db"));
        var before = await target.SnapshotAsync();
        var two = Bundle(new BundleBuilder("two").Upsert("platform", "rule", "a", "2").Upsert("platform", "rule", "b", "3"));

        CliResult refused;
        var clock = Stopwatch.StartNew();
        await using (var other = new SqliteConnection($"Data Source={_folder.Combine("env1.db")};Pooling=False"))
        {
            // Another process's write transaction, held for the whole attempt (this test process is the other process).
            await other.OpenAsync();
            await using var command = other.CreateCommand();
            command.CommandText = "BEGIN IMMEDIATE; UPDATE rw_records SET body = body WHERE key = 'a'";
            await command.ExecuteNonQueryAsync();
            refused = await Rewind("deploy", two, "--target", "env1", "--json");
            command.CommandText = "ROLLBACK";
            await command.ExecuteNonQueryAsync();
        }

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Equal(3, refused.Json().GetProperty("code").GetInt32());
        Assert.Contains("is locked by another process and stayed locked for 1s (busyTimeout); nothing was changed", refused.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the refusal took {clock.Elapsed}");
        Assert.Null(before.FirstDifference(await target.SnapshotAsync()));
        // Refused when the deploy first claimed the target, before its hooks ran or its ledger entry was written.
        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal([("one", "verified")], history.EnumerateArray().Select(d => (d.GetProperty("bundle").GetString(), d.GetProperty("status").GetString())));
        var audit = await Rewind("audit", "--json");
        Assert.Contains("refused:database-busy", audit.Stdout, StringComparison.Ordinal);

        // The lock is gone: the same command finishes it.
        var rerun = await Rewind("deploy", two, "--target", "env1", "--json");
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal("verified", rerun.Json().GetProperty("status").GetString());
        Assert.Equal("2", Convert.ToString(await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("env1.db"), "SELECT body FROM rw_records WHERE key = 'a'"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_config_with_several_errors_lists_every_one_with_its_line_and_the_fixed_config_runs()
    {
        var bundle = Bundle(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
                busyTimeout: soon
                checks:
                  - name: health
                    http: ftp://nowhere
            limits:
              maxBodyBytes: -5
              maxDepth: 3
            rollbackBudget: 5 minutes

            """);

        var broken = await Rewind("deploy", bundle, "--target", "env1", "--json");

        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("5 problems in", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 4: 'soon' is not a duration", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 6: check 'health': 'ftp://nowhere' is not an http(s) URL", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 9: '-5' is not a whole number", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 10: unknown key 'maxDepth'", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 11: '5 minutes' is not a duration", broken.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("env1.db")), "a broken config touched the target");

        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
                busyTimeout: 2s
            limits:
              maxBodyBytes: 1MiB
              maxJsonDepth: 16
            rollbackBudget: 5m

            """);
        var fixedRun = await Rewind("deploy", bundle, "--target", "env1", "--json");
        Assert.True(fixedRun.ExitCode == 0, fixedRun.ToString());
    }

    [Fact]
    public async Task Limits_from_the_config_apply_to_deploys()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
            limits:
              maxBodyBytes: 100

            """);
        var small = await Rewind("deploy", Bundle(new BundleBuilder("small").Upsert("platform", "rule", "a", $"\"{new string('s', 90)}\"")), "--target", "env1");
        Assert.True(small.ExitCode == 0, small.ToString());

        var big = await Rewind("deploy", Bundle(new BundleBuilder("big").Upsert("platform", "rule", "a", $"\"{new string('b', 200)}\"")), "--target", "env1");
        Assert.Equal(2, big.ExitCode);
        Assert.Contains("records/platform/rule.ndjson, line 1: the body is 202 bytes, more than the limit of 100 (maxBodyBytes)", big.Stderr, StringComparison.Ordinal);
    }
}
