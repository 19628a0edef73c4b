using Rewind.Core.Access;
using Rewind.Core.Artifacts;
using Rewind.Core.Locks;
using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

internal sealed class GarbageCollection(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<GcReport> CollectGarbageAsync(string who, bool dryRun, CancellationToken cancellationToken = default)
    {
        if (dryRun)
        {
            return await GcAsync(who, dryRun, cancellationToken);
        }

        return await AuditedAsync("gc", null, who, null, async scope =>
        {
            Authorize(who, Permissions.CollectGarbage);
            var report = await GcAsync(who, dryRun, cancellationToken);
            scope.Detail = $"removed {report.Unneeded.Count} stored bundle(s), {report.FreedBytes} bytes; kept {report.KeptBundles} bundle(s) and {report.KeptBlobs} code artifact(s)";
            return report;
        }, cancellationToken);
    }

    private async Task<GcReport> GcAsync(string who, bool dryRun, CancellationToken cancellationToken)
    {
        var targets = _config.Targets.Keys.Union(await _store.GetLedgerTargetsAsync(cancellationToken)).Order(StringComparer.Ordinal).ToList();
        var locks = new List<TargetLock>();
        try
        {
            // Groups first, then targets: the order a rollout takes them, so gc is refused while a rollout runs
            // rather than making one of its members busy (a stage failure that rolls the stage back).
            foreach (var key in _config.Groups.Keys.Order(StringComparer.Ordinal).Select(TargetLock.GroupKey).Concat(targets))
            {
                locks.Add(await LockAsync(key, "gc", who, cancellationToken));
            }

            // An operation a crash interrupted may have published its inverse before the ledger names it: only
            // recovery (from the target's marker) knows, so gc waits for it.
            foreach (var target in targets)
            {
                if ((await _store.GetDeploymentsAsync(target, cancellationToken)).FirstOrDefault(d => d.Status is DeploymentStatus.Applying or DeploymentStatus.RollingBack) is { } interrupted)
                {
                    throw new RefusedException("interrupted", $"{interrupted.Id} on {target} is {interrupted.Status.ToName()}: an interrupted operation whose stored inverse the ledger may not name yet; run 'rewind recover --target {target}' first, then gc");
                }
            }

            var (needed, why) = await NeededArtifactsAsync(targets, cancellationToken);
            var stored = _artifacts.ListBundles();
            var unneeded = stored
                .Where(b => !needed.Contains(b.Digest))
                .Select(b => new GcArtifact(b.Digest, why.GetValueOrDefault(b.Digest, "referred to by no deployment and no train"), b.Bytes))
                .OrderBy(a => a.What, StringComparer.Ordinal)
                .ToList();
            if (!dryRun)
            {
                foreach (var artifact in unneeded)
                {
                    _artifacts.Remove(artifact.Digest);
                }
            }

            return new GcReport(dryRun, unneeded, stored.Count - unneeded.Count, _artifacts.BlobCount);
        }
        finally
        {
            foreach (var held in locks)
            {
                await held.DisposeAsync();
            }
        }
    }

    /// <summary>The digests some deployment or train can still need, and why each of the others is not needed.</summary>
    private async Task<(HashSet<string> Needed, Dictionary<string, string> Why)> NeededArtifactsAsync(IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var why = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            var superseded = false;
            foreach (var d in await _store.GetDeploymentsAsync(target, cancellationToken))
            {
                if (d.Impact?.LiveEditsDigest is { } edits)
                {
                    needed.Add(edits);
                }

                var done = d.Status is DeploymentStatus.RolledBack or DeploymentStatus.Failed or DeploymentStatus.Skipped;
                if (!done || !superseded)
                {
                    needed.Add(d.BundleDigest);
                    needed.UnionWith(d.InverseDigest is { } kept ? [kept] : []);
                }
                else
                {
                    why.TryAdd(d.BundleDigest, $"bundle {d.BundleId} of {d.Id} on {target} ({d.Status.ToName()}, superseded)");
                    if (d.InverseDigest is { } inverse)
                    {
                        why.TryAdd(inverse, $"inverse of {d.Id} ({d.BundleId}) on {target} ({d.Status.ToName()}, superseded)");
                    }
                }

                // Newest first: once a deployment that landed has been seen, every older one has been superseded.
                superseded |= d.Status is not (DeploymentStatus.Skipped or DeploymentStatus.Failed);
            }
        }

        var now = _time.GetUtcNow();
        foreach (var group in _config.Groups.Values)
        {
            var (matrix, _) = await Uses.TrainQueries.MatrixAsync(group, cancellationToken);
            var behind = matrix.Targets.Count == 0 ? 0 : matrix.Targets.Min(t => t.Position);
            foreach (var entry in matrix.Bundles)
            {
                var expired = _config.Retention is { } retention && entry.BoardedAt + retention < now && entry.Position < behind;
                if (!expired)
                {
                    needed.Add(entry.BundleDigest);
                }
                else
                {
                    why.TryAdd(entry.BundleDigest, $"bundle {entry.BundleId} at position {entry.Position} of group {group.Name}'s train, older than the retention and every member past it");
                }
            }
        }

        return (needed, why);
    }
}
