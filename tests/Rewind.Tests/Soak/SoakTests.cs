using System.Text.Json;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Tests.Soak;

/// <summary>
/// The chaos soak (the Jepsen approach): three <c>rewind serve</c> instances on one PostgreSQL control plane, PostgreSQL
/// and SQLite targets, concurrent clients, SIGKILLs, lock breaks and failing or hanging checks; then every target is
/// recovered and an independent checker compares the recorded history with the ledger, the audit log, the artifact
/// store and the targets. A short run is always on; <c>scripts/test --full</c> runs thousands of operations.
/// Replay a run with REWIND_SOAK_SEED; its full history is written to test-output/soak-SEED.json.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SoakTests(PostgresServerFixture postgres, ITestOutputHelper output) : IDisposable
{
    private static readonly bool Full = Environment.GetEnvironmentVariable("REWIND_FULL") == "1";
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [PostgresFact]
    public async Task Concurrent_operations_through_three_instances_under_kills_and_lock_breaks_lose_nothing()
    {
        var (run, anomalies) = await SoakAsync(operations: Full ? 3_000 : 240, kills: Full ? 30 : 4);

        Assert.True(anomalies.Count == 0, $"{anomalies.Count} anomalies:\n{string.Join("\n", anomalies.Take(30))}");
        Assert.True(run.Kills > 0, "the soak killed no instance");
        Assert.Contains(run.Events, e => e.Kind == "rollback" && e.Status == 200);
    }

    [PostgresFact]
    public async Task The_checker_sees_a_target_row_changed_behind_the_ledgers_back()
    {
        await using var cluster = await SoakCluster.StartAsync(postgres, _folder, postgresTargets: 1, sqliteTargets: 1, instances: 1);
        var run = new SoakRun(cluster, seed: 7, operations: 0, clients: 0, kills: 0);
        var random = new Random(7);
        foreach (var target in cluster.Targets.Keys)
        {
            Assert.Equal(200, (await run.SendAsync(0, "deploy", target, random, run.NewBundle(random))).Status);
        }

        Assert.Empty(await SoakChecker.CheckAsync(cluster, run.Events, run.Bundles, run.KillTimes));

        var victim = cluster.Targets.Keys.First(t => t.StartsWith("lite", StringComparison.Ordinal));
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.Combine(victim + ".db")}"))
        {
            await db.OpenAsync();
            await using var command = db.CreateCommand();
            command.CommandText = "INSERT INTO rw_records (layer, type, key, body) VALUES ('platform', 'rule', 'intruder', '{}')";
            await command.ExecuteNonQueryAsync();
        }

        var anomalies = await SoakChecker.CheckAsync(cluster, run.Events, run.Bundles, run.KillTimes);
        Assert.Contains(anomalies, a => a.StartsWith($"{victim}: record platform/rule/intruder is {{}}", StringComparison.Ordinal));
    }

    private async Task<(SoakRun Run, List<string> Anomalies)> SoakAsync(int operations, int kills)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("REWIND_SOAK_SEED"), out var s) ? s : Random.Shared.Next(1, 1_000_000);
        output.WriteLine($"soak seed {seed} (replay with REWIND_SOAK_SEED={seed})");
        await using var cluster = await SoakCluster.StartAsync(postgres, _folder, postgresTargets: 3, sqliteTargets: 2, instances: 3);
        var run = new SoakRun(cluster, seed, operations, clients: 4, kills);
        using var deadline = new CancellationTokenSource(Full ? TimeSpan.FromMinutes(40) : TimeSpan.FromMinutes(4));
        await run.RunAsync(deadline.Token);

        // Settle: finish every interrupted operation, lift holds, and show that every target takes a deploy.
        var anomalies = new List<string>();
        var random = new Random(seed);
        foreach (var target in cluster.Targets.Keys)
        {
            var recover = await CliRunner.RunAsync(_folder.Path, "recover", "--target", target);
            if (recover.ExitCode is not (0 or 4))
            {
                anomalies.Add($"{target}: rewind recover exited {recover.ExitCode}: {recover.Stderr.Trim()}");
            }

            var state = await StateAsync(cluster, target);
            if (state == "frozen")
            {
                await run.SendAsync(-1, "unfreeze", target, random);
                state = await StateAsync(cluster, target);
            }

            if (state == "off-train")
            {
                await run.SendAsync(-1, "clear", target, random);
            }

            var last = await run.SendAsync(-1, "deploy", target, random, run.NewBundle(random));
            if (last.Status != 200)
            {
                anomalies.Add($"{target}: stuck: the closing deploy answered {last.Status}: {last.Body}");
            }
        }

        anomalies.AddRange(await SoakChecker.CheckAsync(cluster, run.Events, run.Bundles, run.KillTimes));
        Report(seed, run, anomalies);
        return (run, anomalies);
    }

    private static async Task<string?> StateAsync(SoakCluster cluster, string target)
    {
        var live = cluster.Pick(new Random()) ?? throw new InvalidOperationException("no instance is up");
        var body = await live.Server.GetJsonAsync($"/api/targets/{target}", cluster.Tokens["viewer"]);
        return body.GetProperty("state").GetString();
    }

    private void Report(int seed, SoakRun run, List<string> anomalies)
    {
        output.WriteLine($"soak: {run.Events.Count} operations, {run.Kills} kills, {run.LockBreaks} lock breaks, {anomalies.Count} anomalies");
        foreach (var group in run.Events.GroupBy(e => (e.Kind, e.Status)).OrderBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Status))
        {
            output.WriteLine($"  {group.Key.Kind,-9} {(group.Key.Status == 0 ? "no answer" : group.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)),-9} {group.Count(),6}");
        }

        foreach (var anomaly in anomalies.Take(30))
        {
            output.WriteLine($"  ANOMALY {anomaly}");
        }

        var folder = Path.Combine(CliRunner.RepositoryRoot, "test-output");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"soak-{seed}.json"), JsonSerializer.Serialize(new { seed, kills = run.Kills, anomalies, events = run.Events, bundles = run.Bundles.Values }, new JsonSerializerOptions { WriteIndented = true }));
    }
}
