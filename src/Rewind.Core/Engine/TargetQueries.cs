using Rewind.Core.Access;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

internal sealed class TargetQueries(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public Task<TargetState> ClearAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        ClearAsync(target, who, reason, force: false, cancellationToken);

    public Task<TargetState> ClearAsync(string target, string who, string reason, bool force, CancellationToken cancellationToken = default) =>
        AuditedAsync("clear", target, who, reason, scope => ClearCoreAsync(target, who, reason, force, scope, cancellationToken), cancellationToken);

    private async Task<TargetState> ClearCoreAsync(string target, string who, string reason, bool force, Audit.AuditScope scope, CancellationToken cancellationToken)
    {
        var config = _config.Target(target);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new BadInputException("clearing a hold needs a reason (--reason \"...\"): the audit must say why the target rejoined its train");
        }

        Authorize(who, Permissions.Clear);

        await using var targetLock = await LockAsync(config.Name, "clear", who, cancellationToken);
        var state = await _store.GetTargetStateAsync(config.Name, cancellationToken);
        if (state.State is not (TrainState.OffTrain or TrainState.Diverged))
        {
            throw new RefusedException("not-off-train", state.State == TrainState.Frozen
                ? $"target {config.Name} is frozen, not off-train: a frozen incident ends with rewind unfreeze"
                : $"target {config.Name} is not off the train: there is no hold to clear");
        }

        // Rejoining the train means receiving the next patch, built against the head: the target must be there.
        var notAligned = await Uses.TrainQueries.WhyNotAlignedAsync(config, cancellationToken);
        if (notAligned is not null && !force)
        {
            throw new RefusedException("not-aligned", $"{notAligned}. Bring it to the head first (rewind realign --target {config.Name} --apply), or lift the hold anyway with --force (recorded as forced)");
        }

        scope.Detail = notAligned is null ? null : $"forced: {notAligned}";
        var cleared = new TargetState(config.Name, TrainState.OnTrain, notAligned is null ? $"cleared: {reason}" : $"cleared (forced, not aligned): {reason}", who, _time.GetUtcNow(), null);
        await targetLock.WriteFencedAsync(h => _store.SaveAsync(null, cleared, h, cancellationToken));
        return cleared;
    }

    public async Task<IReadOnlyList<TargetStatus>> StatusAsync(string? target = null, CancellationToken cancellationToken = default)
    {
        var names = target is null ? _config.Targets.Keys.Order(StringComparer.Ordinal).ToList() : [_config.Target(target).Name];
        var result = new List<TargetStatus>();
        foreach (var name in names)
        {
            var state = await _store.GetTargetStateAsync(name, cancellationToken);
            var deployments = await _store.GetDeploymentsAsync(name, cancellationToken);
            var holder = await _store.GetLockAsync(name, cancellationToken);
            if (holder is not null && holder.IsStale(_time.GetUtcNow()))
            {
                holder = null;
            }

            result.Add(new TargetStatus(name, state, deployments.FirstOrDefault(d => d.IsApplied), holder)
            {
                LastRollback = deployments.Where(d => d.RolledBackAt is not null && d.Status == DeploymentStatus.RolledBack).MaxBy(d => d.RolledBackAt),
                NeedsInvestigation = [.. deployments.Where(d => d.NeedsInvestigation)],
                Window = Uses.DeployWindows.WindowOf(name),
            });
        }

        return result;
    }

    public async Task<IReadOnlyList<TargetState>> TargetStatesAsync(CancellationToken cancellationToken = default)
    {
        var states = new List<TargetState>();
        foreach (var name in _config.Targets.Keys.Order(StringComparer.Ordinal))
        {
            states.Add(await _store.GetTargetStateAsync(name, cancellationToken));
        }

        return states;
    }

    public async Task<IReadOnlyList<Deployment>> RollbacksAsync(int limit, CancellationToken cancellationToken = default)
    {
        var rollbacks = new List<Deployment>();
        foreach (var name in _config.Targets.Keys)
        {
            rollbacks.AddRange((await _store.GetDeploymentsAsync(name, cancellationToken)).Where(d => d is { RolledBackAt: not null, RollbackDuration: not null }));
        }

        return [.. rollbacks.OrderByDescending(d => d.RolledBackAt).Take(limit).Reverse()];
    }

    public Task<IReadOnlyList<Deployment>> HistoryAsync(string target, CancellationToken cancellationToken = default) =>
        _store.GetDeploymentsAsync(_config.Target(target).Name, cancellationToken);
}
