using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rewind.Bench;

/// <summary>
/// The main table's measure at one engine, size and body size, repeated and interleaved: the engine's limit (its
/// plain write of the same rows from memory, every way in <see cref="IBenchEngine.LimitPaths"/>), the client loop
/// (the bundle parsed and written row by row), Rewind's deploy, the stored bytes it left in the artifact store,
/// and the rollback; then, in a child process, the peak memory of a deploy and of a rollback.
/// </summary>
internal static class SizeBench
{
    public static async Task<SizeResult> MeasureAsync(IBenchEngine engine, string folder, int size, BodySize bodies, BenchOptions options, bool warmUp, Action<string> log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var label = string.Create(CultureInfo.InvariantCulture, $"{engine.Name} N={size} {bodies.ToString().ToLowerInvariant()} bodies");
        var workload = new Workload(size, bodies);
        var bundle = Path.Combine(folder, "bundle");
        var bundleBytes = workload.WriteBundle(bundle, $"bench-{size}");
        log($"{label}: bundle {bundleBytes / (1 << 20)} MB written; seeding target and baseline");
        var name = string.Create(CultureInfo.InvariantCulture, $"{size}_{bodies.ToString().ToLowerInvariant()}");
        var target = await engine.CreateDatabaseAsync("target_" + name, cancellationToken);
        await engine.SeedTargetAsync(target, workload, cancellationToken);
        var baseline = await engine.CreateDatabaseAsync("baseline_" + name, cancellationToken);
        await engine.SeedBaselineAsync(baseline, workload, cancellationToken);

        var bodyBytes = BundleRows.Stream(bundle).Where(r => r.Body is not null).Select(r => (double)Encoding.UTF8.GetByteCount(r.Body!)).DefaultIfEmpty(0).Average();
        var runner = new RewindRunner(folder, target, []);
        var limits = engine.LimitPaths.ToDictionary(p => p, _ => new List<double>(), StringComparer.Ordinal);
        var clientLoop = new List<double>();
        var deploys = new List<double>();
        var rollbacks = new List<double>();
        var stored = new List<long>();
        for (var rep = 0; rep < (warmUp ? 1 : options.Repeat); rep++)
        {
            var (limitTimes, written) = await MeasureLimitAsync(engine, baseline, bundle, cancellationToken);
            foreach (var (path, seconds) in limitTimes)
            {
                limits[path].Add(seconds);
            }

            await engine.ResetBaselineAsync(baseline, cancellationToken);
            await engine.MaintainAsync(target, cancellationToken);
            RewindRunner.Settle();
            var watch = Stopwatch.StartNew();
            await engine.RunClientLoopAsync(baseline, bundle, cancellationToken);
            clientLoop.Add(watch.Elapsed.TotalSeconds);
            await ExpectSameAsync(engine, baseline, "client loop", written, cancellationToken);

            var artifacts = Path.Combine(folder, $"artifacts-{rep}");
            var rewind = await runner.CreateEngineAsync(artifacts, cancellationToken);
            deploys.Add(await RewindRunner.DeployAsync(rewind, bundle, cancellationToken));
            stored.Add(DirectoryBytes(artifacts));
            rollbacks.Add(await RewindRunner.RollbackAsync(rewind, cancellationToken));
            RewindRunner.DeleteFolder(artifacts);
            var limitText = string.Join(", ", limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value[^1]:0.000}s")));
            log($"{label} {(warmUp ? "warm-up" : $"#{rep + 1}")}: limit ({limitText}), client loop {clientLoop[^1]:0.000}s, deploy {deploys[^1]:0.000}s, rollback {rollbacks[^1]:0.000}s, stored {stored[^1] / 1024.0:0} KB");
        }

        MemoryProbe.Outcome? memory = null;
        if (options.Memory && !warmUp)
        {
            await engine.MaintainAsync(target, cancellationToken);
            var artifacts = Path.Combine(folder, "artifacts-child");
            memory = await MemoryProbe.RunChildrenAsync(folder, target, bundle, artifacts, cancellationToken);
            RewindRunner.DeleteFolder(artifacts);
            log($"{label}: child deploy {memory.DeploySeconds:0.000}s (peak {memory.DeployPeakBytes / (1 << 20)} MB), rollback {memory.RollbackSeconds:0.000}s (peak {memory.RollbackPeakBytes / (1 << 20)} MB)");
        }

        await engine.DropDatabaseAsync(target, cancellationToken);
        await engine.DropDatabaseAsync(baseline, cancellationToken);
        RewindRunner.DeleteFolder(folder);
        var limitTimings = limits.ToDictionary(l => l.Key, l => new Timing(l.Value), StringComparer.Ordinal);
        var fastest = limitTimings.MinBy(l => l.Value.Median);
        return new SizeResult(engine.Name, bodies, size, bodyBytes, workload.CopyRows, bundleBytes, fastest.Key, fastest.Value, limitTimings, new Timing(clientLoop),
            new Timing(deploys), new Timing(rollbacks), (long)stored.Average(), memory);
    }

    /// <summary>
    /// Every limit path once, each from the baseline's seeded state and a collected heap; seconds by path. The rows
    /// are read and encoded before any clock starts, and let go after: at 1M records they weigh gigabytes, which
    /// would slow the collections of the in-process deploy and rollback measured next.
    /// Each path's result is checked against the first's (untimed), so no path is fast for writing less.
    /// </summary>
    public static async Task<(IReadOnlyList<(string Path, double Seconds)> Times, string Written)> MeasureLimitAsync(IBenchEngine engine, string baseline, string bundle, CancellationToken cancellationToken)
    {
        var rows = BundleRows.Load(bundle);
        var times = new List<(string, double)>();
        string? written = null;
        foreach (var path in engine.LimitPaths)
        {
            await engine.ResetBaselineAsync(baseline, cancellationToken);
            RewindRunner.Settle();
            var watch = Stopwatch.StartNew();
            await engine.RunLimitAsync(baseline, rows, path, cancellationToken);
            times.Add((path, watch.Elapsed.TotalSeconds));
            written ??= await engine.BaselineFingerprintAsync(baseline, cancellationToken);
            await ExpectSameAsync(engine, baseline, path, written, cancellationToken);
        }

        return (times, written!);
    }

    private static async Task ExpectSameAsync(IBenchEngine engine, string baseline, string path, string expected, CancellationToken cancellationToken)
    {
        var actual = await engine.BaselineFingerprintAsync(baseline, cancellationToken);
        if (actual != expected)
        {
            throw new InvalidOperationException($"the {path} baseline wrote {actual}, where the first limit path wrote {expected}");
        }
    }

    /// <summary>What a folder holds, in bytes: the artifact store measured as it is, whatever its format.</summary>
    private static long DirectoryBytes(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
}
