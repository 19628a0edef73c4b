using Rewind.Core.Access;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

internal sealed class RollingBackTo(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<IReadOnlyList<RollbackResult>> RollbackToAsync(string target, string to, string who, string? reason, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        await Uses.Authorizing.RequireAsync(who, Permissions.Rollback, config.Name, reason, cancellationToken);
        var results = new List<RollbackResult>();
        KnownGoodRule.RequireVerifiedTarget(config.Name, await _store.GetDeploymentsAsync(config.Name, cancellationToken), to);
        while (true)
        {
            var deployments = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
            var newest = deployments.FirstOrDefault(d => d.IsApplied);
            if (newest is null || newest.Id == to)
            {
                return results;
            }

            var result = await Uses.RollingBack.RollbackAsync(new RollbackRequest(config.Name, who, reason, newest.Id) { Toward = to, Authorized = true }, progress, cancellationToken);
            results.Add(result);
            if (!result.Succeeded)
            {
                return results;
            }
        }
    }

    public async Task<IReadOnlyList<Deployment>> PreviewRollbackToAsync(string target, string to, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        var deployments = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
        KnownGoodRule.RequireVerifiedTarget(config.Name, deployments, to);
        var state = await _store.GetTargetStateAsync(config.Name, cancellationToken);
        RollingBack.CheckRollbackAllowed(config, state);
        return deployments.Where(d => d.IsApplied).TakeWhile(d => d.Id != to).ToList();
    }
}
