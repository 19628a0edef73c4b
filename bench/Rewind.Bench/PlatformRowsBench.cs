using System.Diagnostics;
using Rewind.Core.Configuration;

namespace Rewind.Bench;

/// <summary>
/// Issue 16's measure: a few row changes against a large platform table. The cost of the deploy, its stored
/// inverse and the rollback must follow the rows changed, not the rows the table holds: the inverse holds one line
/// per changed row, and the rollback rewrites those rows only.
/// </summary>
internal static class PlatformRowsBench
{
    public const string Table = "price_list";

    public static async Task<PlatformRowsResult> MeasureAsync(IBenchEngine engine, string folder, long tableRows, int changes, int repeat, Action<string> log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var target = await engine.CreateDatabaseAsync("platform_rows", cancellationToken);
        log($"{engine.Name}: seeding a {tableRows:N0}-row platform table");
        await engine.AddPlatformTableAsync(target, tableRows, cancellationToken);
        var bundle = Path.Combine(folder, "bundle");
        Directory.CreateDirectory(Path.Combine(bundle, "rows"));
        await File.WriteAllTextAsync(Path.Combine(bundle, "bundle.json"), $$"""{"id":"bench-rows-{{changes}}","kind":"metadata"}""", cancellationToken);
        var step = Math.Max(1, tableRows / changes);
        await File.WriteAllLinesAsync(Path.Combine(bundle, "rows", $"{Table}.ndjson"),
            Enumerable.Range(0, changes).Select(i => "{\"row\":{\"sku\":\"sku-" + (1 + (i * step)) + "\",\"price\":" + (900000 + i) + "}}"), cancellationToken);

        var runner = new RewindRunner(folder, target, [], [new PlatformTable(Table) { Key = ["sku"] }]);
        var deploys = new List<double>();
        var rollbacks = new List<double>();
        long inverseRows = 0, inverseBytes = 0;
        for (var rep = 0; rep < repeat; rep++)
        {
            var artifacts = Path.Combine(folder, $"artifacts-{rep}");
            var rewind = await runner.CreateEngineAsync(artifacts, cancellationToken);
            deploys.Add(await RewindRunner.DeployAsync(rewind, bundle, cancellationToken));
            var deployment = (await rewind.HistoryAsync(RewindRunner.Target, cancellationToken))[0];
            using (var inverse = await rewind.Artifacts.OpenAsync(deployment.InverseDigest!, cancellationToken))
            {
                inverseRows = inverse.RowChangeCount + inverse.RowCount;
                // As stored (compressed), which is what the inverse costs on disk.
                inverseBytes = new DirectoryInfo(rewind.Artifacts.PathOf(deployment.InverseDigest!)).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            }

            var watch = Stopwatch.StartNew();
            rollbacks.Add(await RewindRunner.RollbackAsync(rewind, cancellationToken));
            log($"{engine.Name} {changes} row changes on {tableRows:N0} rows #{rep + 1}: deploy {deploys[^1]:0.000}s, rollback {rollbacks[^1]:0.000}s, inverse {inverseRows} rows ({inverseBytes} bytes)");
            RewindRunner.DeleteFolder(artifacts);
        }

        await engine.DropDatabaseAsync(target, cancellationToken);
        RewindRunner.DeleteFolder(folder);
        return new PlatformRowsResult(engine.Name, tableRows, changes, inverseRows, inverseBytes, new Timing(deploys), new Timing(rollbacks));
    }
}

/// <summary>Row changes against a large platform table: what the inverse holds and what deploy and rollback cost.</summary>
internal sealed record PlatformRowsResult(string Engine, long TableRows, int Changes, long InverseRows, long InverseBytes, Timing Deploy, Timing Rollback);
