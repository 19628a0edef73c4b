using System.Diagnostics;
using Rewind.Core.Artifacts;
using Rewind.Core.Bundles;
using Rewind.Core.Inverse;
using Rewind.Core.Targets;
using Rewind.Postgres;
using Rewind.Sqlite;
using Rewind.Core.Engine;

namespace Rewind.Bench;

/// <summary>
/// <c>--phases ENGINE N</c>: where a deploy and a rollback spend their time, phase by phase (validate and digest,
/// store the bundle, capture and apply, publish the inverse, commit; open the inverse, apply it), for profiling.
/// </summary>
internal static class Phases
{
    public static async Task<int> RunAsync(IBenchEngine engine, string folder, int size, CancellationToken cancellationToken)
    {
        var workload = new Workload(size);
        var bundlePath = Path.Combine(folder, "bundle");
        workload.WriteBundle(bundlePath, $"bench-{size}");
        var database = await engine.CreateDatabaseAsync($"phases_{size}", cancellationToken);
        await engine.SeedTargetAsync(database, workload, cancellationToken);
        ITargetStore Open() => database.StartsWith("sqlite:", StringComparison.Ordinal)
            ? new SqliteTargetStore(database["sqlite:".Length..])
            : new PostgresTargetStore(database["postgres:".Length..], "public");
        var baseline = await engine.CreateDatabaseAsync($"phases_baseline_{size}", cancellationToken);
        await engine.SeedBaselineAsync(baseline, workload, cancellationToken);
        var applier = new BundleApplier(Rewind.Core.Configuration.RewindConfig.DefaultLayers);
        for (var rep = 0; rep < 2; rep++)
        {
            var artifacts = new ArtifactStore(Path.Combine(folder, $"artifacts-{rep}"));
            var watch = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            void Phase(string name)
            {
                var now = Process.GetCurrentProcess().TotalProcessorTime;
                Console.WriteLine($"  {name,-28} {watch.Elapsed.TotalSeconds,8:0.000}s wall {(now - cpu).TotalSeconds,8:0.000}s cpu");
                cpu = now;
                watch.Restart();
            }

            Console.WriteLine($"{engine.Name} N={size} repetition {rep + 1}");
            foreach (var (path, seconds) in (await SizeBench.MeasureLimitAsync(engine, baseline, bundlePath, cancellationToken)).Times)
            {
                Console.WriteLine($"  {"limit: " + path,-28} {seconds,8:0.000}s wall");
            }

            watch.Restart();
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            string inverseDigest;
            using (var bundle = await Bundle.OpenAsync(bundlePath, cancellationToken: cancellationToken))
            {
                Phase("open + validate + digest");
                await artifacts.StoreAsync(bundle, cancellationToken);
                Phase("store bundle");
                var writer = artifacts.CreateWriter();
                await using (var session = await Open().BeginAsync(cancellationToken))
                {
                    await applier.ApplyAsync(bundle, session, new InverseCapture(writer), $"d{rep}", null, cancellationToken);
                    Phase("capture + apply");
                    inverseDigest = await artifacts.PublishAsync(writer, InverseCapture.ManifestFor(bundle.Manifest), cancellationToken);
                    Phase("publish inverse");
                    await session.CommitAsync(cancellationToken);
                    Phase("commit");
                }
            }

            using (var inverse = await artifacts.OpenAsync(inverseDigest, cancellationToken))
            {
                Phase("open inverse (validate)");
                await using var session = await Open().BeginAsync(cancellationToken);
                await applier.ApplyAsync(inverse, session, null, $"d{rep}", null, cancellationToken);
                Phase("apply inverse");
                await session.CommitAsync(cancellationToken);
                Phase("commit");
            }

            RewindRunner.DeleteFolder(Path.Combine(folder, $"artifacts-{rep}"));
        }

        await engine.DropDatabaseAsync(database, cancellationToken);
        await engine.DropDatabaseAsync(baseline, cancellationToken);
        return 0;
    }
}
