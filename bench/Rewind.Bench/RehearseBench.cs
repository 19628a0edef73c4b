using System.Diagnostics;
using Rewind.Cli.Composition;

namespace Rewind.Bench;

/// <summary>
/// Issue 22's measure: a rehearsal beside a large business table. Its copy must follow what the bundle touches
/// (Rewind's tables and the bundle's own), not the business data; beside it, the whole-database copy a rehearsal
/// used to take (the engine's backup: on SQLite exactly the former copy; on PostgreSQL pg_dump) for comparison.
/// </summary>
internal static class RehearseBench
{
    public static async Task<RehearseResult> MeasureAsync(IBenchEngine engine, string folder, long businessRows, int repeat, Action<string> log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var workload = new Workload(1000);
        var bundle = Path.Combine(folder, "bundle");
        workload.WriteBundle(bundle, "bench-rehearse");
        var target = await engine.CreateDatabaseAsync("rehearse", cancellationToken);
        await engine.SeedTargetAsync(target, workload, cancellationToken);
        log($"{engine.Name}: seeding {businessRows:N0} business rows beside the metadata");
        await engine.AddBusinessTableAsync(target, businessRows, cancellationToken);
        var size = await engine.SizeAsync(target, cancellationToken);

        var runner = new RewindRunner(folder, target, ["orders"]);
        var copies = new List<double>();
        var rehearsals = new List<double>();
        var whole = new List<double>();
        long rows = 0;
        var tables = 0;
        for (var rep = 0; rep < repeat; rep++)
        {
            var artifacts = Path.Combine(folder, $"artifacts-{rep}");
            var rewind = await runner.CreateEngineAsync(artifacts, cancellationToken);
            RewindRunner.Settle();
            var watch = Stopwatch.StartNew();
            var report = await rewind.RehearseAsync(bundle, RewindRunner.Target, (config, ct) => RewindHost.CreateEngineAsync(config, cancellationToken: ct), cancellationToken);
            rehearsals.Add(watch.Elapsed.TotalSeconds);
            if (!report.Succeeded)
            {
                throw new InvalidOperationException($"the benchmark rehearsal failed: {string.Join("; ", report.Steps.Where(s => !s.Passed))} {report.FirstDifference}");
            }

            copies.Add(report.Steps[0].Seconds);
            rows = report.Copy.Rows;
            tables = report.Copy.Tables.Count;
            RewindRunner.DeleteFolder(artifacts);

            RewindRunner.Settle();
            watch.Restart();
            await engine.BackupAsync(target, cancellationToken);
            whole.Add(watch.Elapsed.TotalSeconds);
            log($"{engine.Name} rehearse beside {businessRows:N0} business rows #{rep + 1}: copy {copies[^1]:0.000}s ({tables} tables, {rows} rows), rehearsal {rehearsals[^1]:0.000}s, whole-database copy {whole[^1]:0.000}s");
        }

        await engine.DropDatabaseAsync(target, cancellationToken);
        RewindRunner.DeleteFolder(folder);
        return new RehearseResult(engine.Name, businessRows, size, tables, rows, new Timing(copies), new Timing(rehearsals), new Timing(whole));
    }
}

/// <summary>A rehearsal beside a business table: what it copied, how long the copy and the whole rehearsal took, and a whole-database copy.</summary>
internal sealed record RehearseResult(string Engine, long BusinessRows, long DatabaseBytes, int CopiedTables, long CopiedRows, Timing Copy, Timing Rehearsal, Timing WholeCopy);
