using Rewind.Core.Bundles;
using Rewind.Core.Configuration;

namespace Rewind.Core.Deployments;

/// <summary>A quarantined table on a target, with the operation that moved it aside and when.</summary>
public sealed record QuarantineEntry(string Target, string Table, string As, long Rows, string? Deployment, DateTimeOffset? Since);

public sealed partial class RewindEngine
{
    /// <summary>Every table rollbacks (or deletes of definitions) moved aside, on every target.</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> QuarantineListAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<QuarantineEntry>();
        foreach (var target in _config.Targets.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
            await using var store = _targets.Open(target);
            foreach (var table in await store.ListQuarantineAsync(cancellationToken))
            {
                var tag = NameRules.QuarantineTag(table.As);
                var deployment = deployments.FirstOrDefault(d => string.Equals(d.Id, tag, StringComparison.OrdinalIgnoreCase));
                entries.Add(new QuarantineEntry(target.Name, table.Table, table.As, table.Rows, deployment?.Id, deployment?.RolledBackAt ?? deployment?.StartedAt));
            }
        }

        return entries;
    }

    /// <summary>Drops quarantined tables older than <paramref name="olderThan"/> (train-admin; audited per target).</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> QuarantinePurgeAsync(TimeSpan olderThan, string who, CancellationToken cancellationToken = default)
    {
        if (!_config.HasRole(who, "train-admin"))
        {
            return await AuditedAsync<IReadOnlyList<QuarantineEntry>>("quarantine-purge", null, who, null,
                _ => throw NotAuthorized(who, "train-admin", "purge quarantined tables"),
                cancellationToken);
        }

        var cutoff = _time.GetUtcNow() - olderThan;
        var purged = new List<QuarantineEntry>();
        foreach (var group in (await QuarantineListAsync(cancellationToken)).Where(e => e.Since is { } since && since < cutoff).GroupBy(e => e.Target))
        {
            var target = _config.Target(group.Key);
            await AuditedAsync("quarantine-purge", target.Name, who, $"older than {olderThan}", async scope =>
            {
                await using var targetLock = await LockTargetAsync(target, "quarantine-purge", who, cancellationToken);
                await using var store = _targets.Open(target);
                foreach (var entry in group)
                {
                    await store.DropQuarantinedAsync(entry.As, cancellationToken);
                    purged.Add(entry);
                }

                scope.Detail = $"dropped {string.Join(", ", group.Select(e => $"{e.As} ({e.Rows} rows)"))}";
                return true;
            }, cancellationToken);
        }

        return purged;
    }
}
