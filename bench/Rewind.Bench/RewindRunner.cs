using System.Diagnostics;
using Rewind.Cli.Composition;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;

namespace Rewind.Bench;

/// <summary>
/// Drives Rewind itself, through the same composition root as the CLI: deploy, rollback, and the clear that puts
/// the target back on its train so the next repetition may deploy again. Each repetition gets a fresh artifact
/// store, so every deploy pays for storing its bundle and writing its inverse.
/// </summary>
internal sealed class RewindRunner(string folder, string database, IReadOnlyList<string> businessTables, IReadOnlyList<PlatformTable>? platformTables = null)
{
    public const string Target = "bench";

    private readonly string _store = "sqlite:" + Path.Combine(folder, "rewind.db");

    public string Store => _store;

    public async Task<RewindEngine> CreateEngineAsync(string artifacts, CancellationToken cancellationToken)
    {
        var config = new RewindConfig
        {
            BaseDirectory = folder,
            Store = _store,
            Artifacts = artifacts,
            Targets = new Dictionary<string, TargetConfig>
            {
                [Target] = new()
                {
                    Name = Target,
                    Database = database,
                    BusinessTables = businessTables.Select(t => new BusinessTable(t, null)).ToList(),
                    PlatformTables = [new PlatformTable(Workload.ReferenceTable), .. platformTables ?? []],
                },
            },
        };
        return await RewindHost.CreateEngineAsync(config, cancellationToken: cancellationToken);
    }

    public static async Task<double> DeployAsync(RewindEngine engine, string bundle, CancellationToken cancellationToken)
    {
        Settle();
        var watch = Stopwatch.StartNew();
        var result = await engine.DeployAsync(new DeployRequest(bundle, Target, "bench", "benchmark"), cancellationToken: cancellationToken);
        watch.Stop();
        if (!result.Succeeded || result.AlreadyApplied)
        {
            throw new InvalidOperationException($"the benchmark deploy did not apply: {result.Deployment.Status} {result.Deployment.Error}");
        }

        return watch.Elapsed.TotalSeconds;
    }

    public static async Task<double> RollbackAsync(RewindEngine engine, CancellationToken cancellationToken)
    {
        Settle();
        var watch = Stopwatch.StartNew();
        var result = await engine.RollbackAsync(new RollbackRequest(Target, "bench", "benchmark"), cancellationToken: cancellationToken);
        watch.Stop();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"the benchmark rollback failed: {result.Deployment.Error}");
        }

        await engine.ClearAsync(Target, "bench", "next repetition", cancellationToken);
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Starts each timed measure from a collected heap, so one measure's garbage is not billed to the next.</summary>
    public static void Settle()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    public static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
