using Rewind.Core.Configuration;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

/// <summary>One step of a rehearsal: what ran, whether it passed, how long it took.</summary>
public sealed record RehearsalStep(string Step, bool Passed, double Seconds, string? Detail = null);

/// <summary>Where a rehearsal ran and what it copied there (tables and rows), which is what its cost grows with.</summary>
public sealed record RehearsalCopy(string Place, IReadOnlyList<Targets.CopiedTable> Tables)
{
    public long Rows => Tables.Sum(t => t.Rows);
}

/// <summary>The outcome of a rehearsal: exact when deploy then rollback gave back the copy row for row.</summary>
public sealed record RehearsalReport(string Target, string BundleId, IReadOnlyList<RehearsalStep> Steps, bool Exact, string? FirstDifference) : IOperationResult
{
    public bool Succeeded => Exact && Steps.All(s => s.Passed);

    public OperationOutcome Outcome => Succeeded ? OperationOutcome.Done : OperationOutcome.Failed;

    public string? Explanation => Succeeded ? null
        : Steps.FirstOrDefault(s => !s.Passed) is { } failed ? $"rehearsal step '{failed.Step}' did not pass: {failed.Detail}"
        : $"the copy differs after deploy and rollback: {FirstDifference}";

    /// <summary>What was copied (a rehearsal whose copy fails throws instead of reporting).</summary>
    public required RehearsalCopy Copy { get; init; }

    /// <summary>What a rehearsal does not cover (<see cref="RehearsalScope.NotRehearsed"/>).</summary>
    public IReadOnlyList<string> NotRehearsed => RehearsalScope.NotRehearsed;
}

internal sealed class Rehearsal(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<RehearsalReport> RehearseAsync(string bundlePath, string target, Func<RewindConfig, CancellationToken, Task<RewindEngine>> createEngine, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        string bundleId;
        IReadOnlyCollection<string> touched;
        using (var bundle = await OpenBundleAsync(bundlePath, cancellationToken))
        {
            await new WritableTables(_config.Layers, _targets).RefuseUnwritableAsync(config, bundle, cancellationToken);
            bundleId = bundle.Manifest.Id;
            touched = await RehearsalScope.TablesAsync(bundle, cancellationToken);
        }

        var steps = new List<RehearsalStep>();
        await using var store = _targets.Open(config);
        var quarantined = await store.ListQuarantineAsync(cancellationToken);
        var copying = _time.GetTimestamp();
        var clone = await store.CloneAsync(touched, cancellationToken);
        steps.Add(new RehearsalStep("copy the target", true, _time.GetElapsedTime(copying).TotalSeconds,
            $"{clone.Copied.Count} table{(clone.Copied.Count == 1 ? "" : "s")}, {clone.Rows} row{(clone.Rows == 1 ? "" : "s")} into {clone.Place}"));
        var copied = new RehearsalCopy(clone.Place, clone.Copied);
        var folder = Path.Combine(Path.GetTempPath(), $"rewind-rehearsal-{Guid.NewGuid():N}");
        try
        {
            var rehearsal = _config with
            {
                BaseDirectory = folder,
                Store = "sqlite:" + Path.Combine(folder, "rehearsal.db"),
                Artifacts = Path.Combine(folder, "artifacts"),
                Notify = Configuration.NotifyConfig.None,
                Groups = new Dictionary<string, Configuration.GroupConfig>(),
                // The rehearsal acts as itself on a throwaway copy (deploy, roll back, clear): the shell checked that the
                // caller may rehearse (a deployer's step), and the copy has no one else's to check.
                Roles = new Dictionary<string, IReadOnlyList<string>>(),
                Targets = new Dictionary<string, TargetConfig>
                {
                    [config.Name] = config with { Database = clone.Database, Schema = clone.Schema ?? config.Schema, Checks = [], Hooks = Configuration.HooksConfig.None, Window = null },
                },
            };
            Directory.CreateDirectory(folder);
            var engine = await createEngine(rehearsal, cancellationToken);
            await using var copy = _targets.Open(rehearsal.Targets[config.Name]);
            await SkipQuarantinedIdsAsync(engine, quarantined, cancellationToken);
            var before = await copy.SnapshotAsync(cancellationToken);
            var request = new DeployRequest(bundlePath, config.Name, "rehearsal", "rehearsal", AutoRollback: false) { IncludeCode = false };

            if (!await TryAsync(steps, "deploy", () => engine.DeployAsync(request, cancellationToken: cancellationToken)))
            {
                return new RehearsalReport(config.Name, bundleId, steps, false, null) { Copy = copied };
            }

            var deployed = await copy.SnapshotAsync(cancellationToken);
            if (!await TryAsync(steps, "roll back", () => engine.RollbackAsync(new RollbackRequest(config.Name, "rehearsal", "rehearsal"), cancellationToken: cancellationToken)))
            {
                return new RehearsalReport(config.Name, bundleId, steps, false, null) { Copy = copied };
            }

            var difference = before.FirstDifference(await copy.SnapshotAsync(cancellationToken));
            steps.Add(new RehearsalStep("compare with the state before the deploy", difference is null, 0, difference ?? "identical, row by row"));
            await engine.ClearAsync(config.Name, "rehearsal", "rehearsal: deploy again", cancellationToken);
            if (await TryAsync(steps, "deploy again", () => engine.DeployAsync(request, cancellationToken: cancellationToken)))
            {
                // Rows inserted by a natural key get fresh surrogate ids each time: compare them by everything else.
                var natural = config.PlatformTables.Where(p => p.Key is not null).Select(p => p.Name).ToList();
                var again = deployed.WithoutSurrogateIds(natural).FirstDifference((await copy.SnapshotAsync(cancellationToken)).WithoutSurrogateIds(natural));
                steps.Add(new RehearsalStep("compare with the first deploy", again is null, 0, again ?? "identical, row by row"));
            }

            return new RehearsalReport(config.Name, bundleId, steps, difference is null, difference) { Copy = copied };
        }
        finally
        {
            await clone.DropAsync(CancellationToken.None);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// The target holds the tables earlier rollbacks quarantined, named after their deployments (<c>rw_quarantine_d0001_…</c>);
    /// the rehearsal's fresh ledger would number its own deployment d0001 again, and its quarantines would collide with
    /// them wherever the copy holds them. Its numbering starts past every quarantine tag on the target.
    /// </summary>
    private static async Task SkipQuarantinedIdsAsync(RewindEngine rehearsal, IReadOnlyList<Targets.QuarantinedTable> quarantined, CancellationToken cancellationToken)
    {
        var highest = 0L;
        foreach (var table in quarantined)
        {
            var tag = Bundles.NameRules.QuarantineTag(table.As);
            if (tag.Length > 1 && long.TryParse(tag.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                highest = Math.Max(highest, number);
            }
        }

        for (var i = 0L; i < highest; i++)
        {
            await rehearsal.Ledger.NextDeploymentIdAsync(cancellationToken);
        }
    }

    private async Task<bool> TryAsync<T>(List<RehearsalStep> steps, string step, Func<Task<T>> run)
    {
        var start = _time.GetTimestamp();
        try
        {
            var result = await run();
            var passed = result switch
            {
                DeployResult d => d.Deployment.IsApplied,
                RollbackResult r => r.Succeeded,
                _ => true,
            };
            steps.Add(new RehearsalStep(step, passed, _time.GetElapsedTime(start).TotalSeconds, passed ? null : "did not complete"));
            return passed;
        }
        catch (RewindException e)
        {
            steps.Add(new RehearsalStep(step, false, _time.GetElapsedTime(start).TotalSeconds, e.Message));
            return false;
        }
    }
}
