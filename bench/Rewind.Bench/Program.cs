using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Rewind.Bench;

// The benchmark harness: Rewind's deploy and rollback against the engine's limit (its plain write of the same rows
// from memory), a client loop, and restoring a whole-database backup, side by side in one process. See README.md,
// "Benchmarks".
if (args is ["--child", var spec])
{
    return await MemoryProbe.ChildAsync(spec, CancellationToken.None);
}

if (args is ["--make", var makeSize, .. var makeRest])
{
    return await MakeBench.RunAsync(int.Parse(makeSize, CultureInfo.InvariantCulture), BenchOptions.Parse(makeRest).Work, CancellationToken.None);
}

if (args is ["--make-child", var makeFolder])
{
    return await MakeBench.ChildAsync(makeFolder, CancellationToken.None);
}

if (args is ["--phases", var phaseEngine, var phaseSize, .. var rest])
{
    var phaseOptions = BenchOptions.Parse(rest);
    var phaseFolder = Path.Combine(phaseOptions.Work, "phases-" + phaseEngine);
    RewindRunner.DeleteFolder(phaseFolder);
    Directory.CreateDirectory(phaseFolder);
    await using IBenchEngine phaseBench = phaseEngine == "sqlite"
        ? new SqliteBenchEngine(phaseFolder)
        : await PostgresBenchEngine.CreateAsync(phaseOptions.Postgres, phaseFolder, CancellationToken.None);
    return await Phases.RunAsync(phaseBench, phaseFolder, int.Parse(phaseSize, CultureInfo.InvariantCulture), CancellationToken.None);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var cancellationToken = cancel.Token;
var clock = Stopwatch.StartNew();
void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {message}");

try
{
    return await RunAsync();
}
catch (Exception e) when (e is not OperationCanceledException)
{
    Console.Error.WriteLine($"bench: failed: {e}");
    return 1;
}

async Task<int> RunAsync()
{
    Directory.CreateDirectory(options.Work);
    var sizes = new List<SizeResult>();
    var business = new List<BusinessResult>();
    var platformRows = new List<PlatformRowsResult>();
    var rehearsals = new List<RehearseResult>();
    var fleets = new List<FleetResult>();
    var engines = new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (var engineName in options.Engines)
    {
        var folder = Path.Combine(options.Work, engineName);
        RewindRunner.DeleteFolder(folder);
        Directory.CreateDirectory(folder);
        await using IBenchEngine engine = engineName == "sqlite"
            ? new SqliteBenchEngine(folder)
            : await PostgresBenchEngine.CreateAsync(options.Postgres, folder, cancellationToken);
        engines[engine.Name] = engine.Description;

        // One small untimed round first, so no measure pays for compiling the code paths it runs.
        await SizeBench.MeasureAsync(engine, Path.Combine(folder, "warm-up"), 1000, BodySize.Realistic, options, warmUp: true, Log, cancellationToken);
        foreach (var size in options.Sizes)
        {
            foreach (var bodies in options.Bodies)
            {
                sizes.Add(await SizeBench.MeasureAsync(engine, Path.Combine(folder, $"n{size}-{bodies}"), size, bodies, options, warmUp: false, Log, cancellationToken));
            }
        }

        if (options.BusinessRows > 0)
        {
            business.Add(await MeasureBusinessAsync(engine, Path.Combine(folder, "business")));
        }

        if (options.PlatformRows > 0)
        {
            platformRows.Add(await PlatformRowsBench.MeasureAsync(engine, Path.Combine(folder, "platform-rows"), options.PlatformRows, options.RowChanges, options.Repeat, Log, cancellationToken));
        }

        if (options.RehearseRows > 0)
        {
            rehearsals.Add(await RehearseBench.MeasureAsync(engine, Path.Combine(folder, "rehearse"), options.RehearseRows, options.Repeat, Log, cancellationToken));
        }

        // A fleet of PostgreSQL databases on this engine's server, while it runs.
        if (engine is PostgresBenchEngine && options.FleetPostgres > 0)
        {
            fleets.Add(await FleetBench.MeasureAsync(engine, Path.Combine(options.Work, "fleet-postgres"), options.FleetPostgres, options.FleetParallel, options.FleetCheck, 100, Log, cancellationToken));
        }
    }

    // The fleet: many small SQLite targets in one group, where a rollout waits on each target's checks.
    if (options.Fleet > 0)
    {
        await using var fleetEngine = new SqliteBenchEngine(Path.Combine(options.Work, "fleet-sqlite-targets"));
        Directory.CreateDirectory(Path.Combine(options.Work, "fleet-sqlite-targets"));
        fleets.Insert(0, await FleetBench.MeasureAsync(fleetEngine, Path.Combine(options.Work, "fleet-sqlite"), options.Fleet, options.FleetParallel, options.FleetCheck, 100, Log, cancellationToken));
        RewindRunner.DeleteFolder(Path.Combine(options.Work, "fleet-sqlite-targets"));
    }

    var report = new BenchReport(DateTimeOffset.UtcNow, Machine(engines), options, sizes, business, platformRows, rehearsals) { Fleets = fleets };
    Console.WriteLine(report.ToMarkdown());
    await File.WriteAllTextAsync(options.Out, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    Log($"wrote {Path.GetFullPath(options.Out)}");
    return 0;
}

async Task<BusinessResult> MeasureBusinessAsync(IBenchEngine engine, string folder)
{
    Directory.CreateDirectory(folder);
    var workload = new Workload(options.BusinessRecords);
    var bundle = Path.Combine(folder, "bundle");
    workload.WriteBundle(bundle, $"bench-business-{options.BusinessRecords}");
    Log($"{engine.Name}: seeding {options.BusinessRows:N0} business rows");
    var target = await engine.CreateDatabaseAsync("business", cancellationToken);
    await engine.SeedTargetAsync(target, workload, cancellationToken);
    await engine.AddBusinessTableAsync(target, options.BusinessRows, cancellationToken);
    var size = await engine.SizeAsync(target, cancellationToken);
    Log($"{engine.Name}: database {size / (1 << 20)} MB; taking the backup");
    var backupWatch = Stopwatch.StartNew();
    await engine.BackupAsync(target, cancellationToken);
    var backupSeconds = backupWatch.Elapsed.TotalSeconds;

    // The engine's plain write of the same records from memory: no rollback can be faster than writing its rows,
    // so restore/limit is the most any rollback could reach against this restore.
    var baseline = await engine.CreateDatabaseAsync("business_baseline", cancellationToken);
    await engine.SeedBaselineAsync(baseline, workload, cancellationToken);

    var runner = new RewindRunner(folder, target, ["orders"]);
    var cached = new BusinessMeasures();
    var cold = new BusinessMeasures();
    for (var rep = 0; rep < options.Repeat; rep++)
    {
        // Each repetition measures twice: with the saved state (the bundle, Rewind's stored inverse, the backup) as
        // it is just after being written, in the page cache, and read cold from disk, as it is hours later.
        foreach (var (measures, evict) in new[] { (cached, false), (cold, true) })
        {
            measures.Limit.Add((await SizeBench.MeasureLimitAsync(engine, baseline, bundle, cancellationToken)).Times.Min(l => l.Seconds));
            await engine.MaintainAsync(target, cancellationToken);
            Evict(evict, bundle);

            var artifacts = Path.Combine(folder, $"artifacts-{rep}-{(evict ? "cold" : "cached")}");
            var rewind = await runner.CreateEngineAsync(artifacts, cancellationToken);
            await RewindRunner.DeployAsync(rewind, bundle, cancellationToken);
            Evict(evict, artifacts);
            measures.Rollback.Add(await RewindRunner.RollbackAsync(rewind, cancellationToken));
            RewindRunner.DeleteFolder(artifacts);

            // The classic plan's way back: the whole database restored from the backup taken before the deploy.
            Evict(evict, engine.BackupFile(target));
            RewindRunner.Settle();
            var watch = Stopwatch.StartNew();
            await engine.RestoreAsync(target, cancellationToken);
            measures.Restore.Add(watch.Elapsed.TotalSeconds);
            Log($"{engine.Name} business #{rep + 1} ({(evict ? "saved state cold" : "saved state cached")}): limit {measures.Limit[^1]:0.000}s, rollback of {options.BusinessRecords} records {measures.Rollback[^1]:0.000}s, backup restore {measures.Restore[^1]:0.000}s");
        }
    }

    await engine.DropDatabaseAsync(target, cancellationToken);
    await engine.DropDatabaseAsync(baseline, cancellationToken);
    RewindRunner.DeleteFolder(folder);
    return new BusinessResult(engine.Name, options.BusinessRows, options.BusinessRecords, size, backupSeconds, cached.ToRow("page cache"), PageCache.Supported ? cold.ToRow("cold") : null);
}

static void Evict(bool evict, string path)
{
    if (evict)
    {
        PageCache.Evict(path);
    }
}

static MachineInfo Machine(IReadOnlyDictionary<string, string> engines)
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";
    var memory = File.Exists("/proc/meminfo")
        ? long.Parse(File.ReadLines("/proc/meminfo").First().Split(':')[1].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024
        : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, engines);
}
