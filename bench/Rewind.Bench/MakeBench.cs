using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Rewind.Cli.Composition;
using Rewind.Core.Authoring;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Sqlite;

namespace Rewind.Bench;

/// <summary>
/// Issue 21's measure (<c>--make N</c>): <c>bundle make</c> between two N-record SQLite targets, the source holding
/// the workload's records and the target a tenth of them changed, a twentieth missing and N/50 of its own. The make
/// runs in a child process that does nothing else, so its peak resident set is the make's: it must stay flat as N
/// grows (an ordered merge of both sides, neither held in memory).
/// </summary>
internal static class MakeBench
{
    /// <summary>What one make measured (<see cref="Records"/>: records a side, filled in by the parent).</summary>
    public sealed record Outcome(int Records, double Seconds, long PeakBytes, long Upserts, long Deletes);

    public static async Task<int> RunAsync(int records, string work, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(work, $"make-{records}");
        RewindRunner.DeleteFolder(folder);
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        await SeedAsync(Path.Combine(folder, "dev.db"), Source(records), cancellationToken);
        await SeedAsync(Path.Combine(folder, "prod.db"), Target(records), cancellationToken);
        Console.Error.WriteLine($"make: seeded two {records:N0}-record SQLite targets in {clock.Elapsed.TotalSeconds:0.0}s");

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the harness executable");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(MakeBench).Assembly.Location);
        }

        info.ArgumentList.Add("--make-child");
        info.ArgumentList.Add(folder);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the child process");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"make: the child exited with {process.ExitCode}: {output}");
            return 1;
        }

        var outcome = JsonSerializer.Deserialize<Outcome>(output.Trim().Split('\n')[^1])! with { Records = records };
        Console.WriteLine($"bundle make, {records:N0} records a side (SQLite): {outcome.Seconds:0.00}s, peak memory {outcome.PeakBytes / (1024.0 * 1024):0.0} MB; {outcome.Upserts:N0} upserts, {outcome.Deletes:N0} deletes");
        Console.WriteLine(JsonSerializer.Serialize(outcome));
        return 0;
    }

    /// <summary>The child's side: one make, then its time and the process's peak resident set on stdout.</summary>
    public static async Task<int> ChildAsync(string folder, CancellationToken cancellationToken)
    {
        var config = new RewindConfig
        {
            BaseDirectory = folder,
            Store = "sqlite:" + Path.Combine(folder, "rewind.db"),
            Artifacts = Path.Combine(folder, "artifacts"),
            Targets = new Dictionary<string, TargetConfig>
            {
                ["dev"] = new() { Name = "dev", Database = "sqlite:" + Path.Combine(folder, "dev.db") },
                ["prod"] = new() { Name = "prod", Database = "sqlite:" + Path.Combine(folder, "prod.db") },
            },
        };
        var engine = await RewindHost.CreateEngineAsync(config, cancellationToken: cancellationToken);
        RewindRunner.Settle();
        var watch = Stopwatch.StartNew();
        var made = await engine.MakeBundleAsync(new MakeRequest("dev", "prod", Path.Combine(folder, "bundle")), cancellationToken);
        watch.Stop();
        Console.WriteLine(JsonSerializer.Serialize(new Outcome(0, watch.Elapsed.TotalSeconds, MemoryProbe.PeakResidentBytes(), made.Upserts, made.Deletes)));
        return 0;
    }

    private static IEnumerable<RecordChange> Source(int records) =>
        new Workload(records).PriorRecords().Take(records).Select(r => new RecordChange(new RecordKey(r.Layer, r.Type, r.Key), r.Body));

    /// <summary>The source's records with every tenth body changed, every twentieth missing, and N/50 the source lacks.</summary>
    private static IEnumerable<RecordChange> Target(int records) =>
        Source(records).Select((r, i) => (r, i))
            .Where(x => x.i % 20 != 7)
            .Select(x => x.i % 10 == 3 ? x.r with { Body = "{\"changed\":" + x.i + "}" } : x.r)
            .Concat(Enumerable.Range(0, records / 50).Select(i => new RecordChange(new RecordKey("apps", "rule", $"only-in-prod-{i:D8}"), "{\"own\":true}")));

    private static async Task SeedAsync(string path, IEnumerable<RecordChange> records, CancellationToken cancellationToken)
    {
        var store = new SqliteTargetStore(path);
        await using var session = await store.BeginAsync(cancellationToken);
        await session.ApplyRecordsAsync(Stream(records, cancellationToken), null, cancellationToken);
        await session.CommitAsync(cancellationToken);
    }

    private static async IAsyncEnumerable<RecordChange> Stream(IEnumerable<RecordChange> records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }

        await Task.CompletedTask;
    }
}
