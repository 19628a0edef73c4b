using Rewind.Core.Access;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

/// <summary>A quarantined table on a target, with the operation that moved it aside and when.</summary>
public sealed record QuarantineEntry(string Target, string Table, string As, long Rows, string? Deployment, DateTimeOffset? Since);

internal sealed class QuarantineAdministration(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<IReadOnlyList<QuarantineEntry>> QuarantineListAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<QuarantineEntry>();
        foreach (var target in _config.Targets.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            entries.AddRange(await QuarantineOfAsync(target, cancellationToken));
        }

        return entries;
    }

    private async Task<IReadOnlyList<QuarantineEntry>> QuarantineOfAsync(TargetConfig target, CancellationToken cancellationToken)
    {
        var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
        await using var store = _targets.Open(target);
        return (await store.ListQuarantineAsync(cancellationToken)).Select(table =>
        {
            var tag = NameRules.QuarantineTag(table.As);
            var deployment = deployments.FirstOrDefault(d => string.Equals(d.Id, tag, StringComparison.OrdinalIgnoreCase));
            return new QuarantineEntry(target.Name, table.Table, table.As, table.Rows, deployment?.Id, deployment?.RolledBackAt ?? deployment?.StartedAt);
        }).ToList();
    }

    public async Task<IReadOnlyList<QuarantineEntry>> QuarantinePurgeAsync(TimeSpan olderThan, string who, CancellationToken cancellationToken = default)
    {
        await Uses.Authorizing.RequireAsync(who, Permissions.QuarantinePurge, null, $"older than {olderThan}", cancellationToken);

        var cutoff = _time.GetUtcNow() - olderThan;
        bool Old(QuarantineEntry e) => e.Since is { } since && since < cutoff;
        var purged = new List<QuarantineEntry>();
        foreach (var name in (await QuarantineListAsync(cancellationToken)).Where(Old).Select(e => e.Target).Distinct())
        {
            var target = _config.Target(name);
            await AuditedAsync("quarantine-purge", target.Name, who, $"older than {olderThan}", async scope =>
            {
                // Listed again and dropped under the lock, in one fenced transaction: a purge whose lock was broken
                // drops nothing after its successor began.
                await using var targetLock = await LockTargetAsync(target, "quarantine-purge", who, cancellationToken);
                var old = (await QuarantineOfAsync(target, cancellationToken)).Where(Old).ToList();
                if (old.Count == 0)
                {
                    scope.Detail = "nothing to drop: another purge got there first";
                    return true;
                }

                await using (var store = _targets.Open(target))
                await using (var session = await store.BeginAsync(cancellationToken))
                {
                    foreach (var entry in old)
                    {
                        await session.DropQuarantinedAsync(entry.As, cancellationToken);
                    }

                    await targetLock.EnsureHeldAsync(session, cancellationToken);
                    await session.CommitAsync(cancellationToken);
                }

                purged.AddRange(old);
                scope.Detail = $"dropped {string.Join(", ", old.Select(e => $"{e.As} ({e.Rows} rows)"))}";
                return true;
            }, cancellationToken);
        }

        return purged;
    }
}
