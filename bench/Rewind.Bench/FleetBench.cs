using System.Diagnostics;
using System.Globalization;
using System.Text;
using Rewind.Cli.Composition;
using Rewind.Core.Configuration;
using Rewind.Core.Train;

namespace Rewind.Bench;

/// <summary>
/// A fleet: N targets (SQLite files, or databases on the harness's PostgreSQL server) in one group's one stage, each
/// verified by a check that takes a fixed time (a health probe), rolled out and rolled back as a group one target at
/// a time and <c>parallel</c> at a time. What a platform with many tenant databases waits for: the sum of its
/// targets, or its slowest batch.
/// </summary>
internal static class FleetBench
{
    private const string Group = "fleet";

    public static async Task<FleetResult> MeasureAsync(IBenchEngine targetEngine, string folder, int targets, int parallel, double checkSeconds, int records, Action<string> log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var bundle = WriteBundle(Path.Combine(folder, "bundle"), records);
        var sequential = await RoundAsync(targetEngine, Path.Combine(folder, "sequential"), bundle, targets, 1, checkSeconds, cancellationToken);
        log($"{targetEngine.Name} fleet of {targets}: one at a time, deploy {sequential.Deploy:0.000}s, rollback {sequential.Rollback:0.000}s");
        var concurrent = await RoundAsync(targetEngine, Path.Combine(folder, "parallel"), bundle, targets, parallel, checkSeconds, cancellationToken);
        log($"{targetEngine.Name} fleet of {targets}: {parallel} at a time, deploy {concurrent.Deploy:0.000}s, rollback {concurrent.Rollback:0.000}s");
        RewindRunner.DeleteFolder(folder);
        return new FleetResult(targetEngine.Name, targets, parallel, checkSeconds, records, sequential.Deploy, sequential.Rollback, concurrent.Deploy, concurrent.Rollback);
    }

    /// <summary>A group rollout and a whole-group rollback of the fleet, timed; fresh targets and store each round.</summary>
    private static async Task<(double Deploy, double Rollback)> RoundAsync(IBenchEngine targetEngine, string folder, string bundle, int targets, int parallel, double checkSeconds, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var names = Enumerable.Range(1, targets).Select(i => string.Create(CultureInfo.InvariantCulture, $"tenant{i:000}")).ToList();
        var databases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            databases[name] = await targetEngine.CreateDatabaseAsync("fleet_" + name, cancellationToken);
        }

        var check = new CommandCheck { Name = "health", Command = string.Create(CultureInfo.InvariantCulture, $"sleep {checkSeconds:0.###}"), Timeout = TimeSpan.FromSeconds(checkSeconds + 30) };
        var config = new RewindConfig
        {
            BaseDirectory = folder,
            Store = "sqlite:" + Path.Combine(folder, "rewind.db"),
            Artifacts = Path.Combine(folder, "artifacts"),
            Targets = names.ToDictionary(n => n, n => new TargetConfig { Name = n, Database = databases[n], Checks = [check] }),
            Groups = new Dictionary<string, GroupConfig> { [Group] = new() { Name = Group, Stages = [names], Parallel = parallel } },
        };
        var engine = await RewindHost.CreateEngineAsync(config, cancellationToken: cancellationToken);

        RewindRunner.Settle();
        var watch = Stopwatch.StartNew();
        var rollout = await engine.DeployGroupAsync(new GroupDeployRequest(bundle, Group, "bench", "fleet benchmark"), cancellationToken);
        var deploy = watch.Elapsed.TotalSeconds;
        if (!rollout.Succeeded || rollout.Stages.Sum(s => s.Deployed.Count) != targets)
        {
            throw new InvalidOperationException($"the fleet rollout did not reach every target: {rollout.StopReason}");
        }

        RewindRunner.Settle();
        watch.Restart();
        var rollback = await engine.RollbackGroupAsync(new GroupRollbackRequest(Group, "bench", "fleet benchmark"), cancellationToken);
        var back = watch.Elapsed.TotalSeconds;
        if (!rollback.Succeeded || rollback.Members.Count(m => m.Outcome == "rolled-back") != targets)
        {
            throw new InvalidOperationException("the fleet rollback did not roll back every target");
        }

        foreach (var database in databases.Values)
        {
            await targetEngine.DropDatabaseAsync(database, cancellationToken);
        }

        return (deploy, back);
    }

    private static string WriteBundle(string folder, int records)
    {
        Directory.CreateDirectory(Path.Combine(folder, "records", "platform"));
        File.WriteAllText(Path.Combine(folder, "bundle.json"), """{"id": "fleet-patch", "kind": "metadata", "description": "fleet benchmark"}""");
        var lines = new StringBuilder();
        for (var i = 0; i < records; i++)
        {
            lines.Append(CultureInfo.InvariantCulture, $$$"""{"key": "rule-{{{i}}}", "body": {"threshold": {{{i}}}, "enabled": true}}""").Append('\n');
        }

        File.WriteAllText(Path.Combine(folder, "records", "platform", "rule.ndjson"), lines.ToString());
        return folder;
    }
}

/// <summary>A fleet's group rollout and whole-group rollback, one target at a time and <c>parallel</c> at a time.</summary>
internal sealed record FleetResult(string Engine, int Targets, int Parallel, double CheckSeconds, int Records, double SequentialDeploy, double SequentialRollback, double ParallelDeploy, double ParallelRollback)
{
    /// <summary>Parallel time over sequential time: the design's target for a rollout of 100 targets 8 at a time is at most 0.2.</summary>
    public double DeployRatio => ParallelDeploy / SequentialDeploy;

    public double RollbackRatio => ParallelRollback / SequentialRollback;

    public static string ToMarkdown(IReadOnlyList<FleetResult> fleets)
    {
        if (fleets.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("| fleet (one stage) | targets | check | records | parallel | rollout, 1 at a time | rollout, parallel | parallel/sequential | group rollback, 1 at a time | group rollback, parallel | parallel/sequential |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var f in fleets)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Engine} | {f.Targets} | {f.CheckSeconds:0.###} s | {f.Records:N0} | {f.Parallel} | {f.SequentialDeploy:0.000} | {f.ParallelDeploy:0.000} | {f.DeployRatio:0.00} (1/{1 / f.DeployRatio:0.0}) | {f.SequentialRollback:0.000} | {f.ParallelRollback:0.000} | {f.RollbackRatio:0.00} (1/{1 / f.RollbackRatio:0.0}) |");
        }

        return text.ToString();
    }
}
