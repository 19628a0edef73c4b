using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

public sealed partial class RewindEngine
{
    /// <summary>
    /// <c>rewind rollback --to ID</c>: every deployment newer than <paramref name="to"/> rolled back, newest first, each
    /// its own rollback with its own hooks, checks and audit entry, stopping at the first that does not succeed.
    /// <paramref name="to"/> must be applied and verified; the deployments peeled on the way may land on unverified
    /// ones, since the last one lands on it.
    /// </summary>
    public async Task<IReadOnlyList<RollbackResult>> RollbackToAsync(string target, string to, string who, string? reason, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
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

            var result = await RollbackAsync(new RollbackRequest(config.Name, who, reason, newest.Id) { Toward = to }, progress, cancellationToken);
            results.Add(result);
            if (!result.Succeeded)
            {
                return results;
            }
        }
    }

    /// <summary>The deployments <c>rollback --to</c> would peel, newest first (refused as it would be).</summary>
    public async Task<IReadOnlyList<Deployment>> PreviewRollbackToAsync(string target, string to, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        var deployments = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
        KnownGoodRule.RequireVerifiedTarget(config.Name, deployments, to);
        var state = await _store.GetTargetStateAsync(config.Name, cancellationToken);
        CheckRollbackAllowed(config, state);
        return deployments.Where(d => d.IsApplied).TakeWhile(d => d.Id != to).ToList();
    }
}
