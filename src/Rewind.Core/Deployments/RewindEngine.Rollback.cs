using System.Diagnostics;
using Rewind.Core.Targets;

namespace Rewind.Core.Deployments;

public sealed partial class RewindEngine
{
    /// <summary>
    /// What a rollback of <paramref name="target"/> would undo, without doing it: the question an operator
    /// answers yes or no to. Throws <see cref="RefusedException"/> when the rollback would be refused.
    /// </summary>
    public async Task<Deployment> PreviewRollbackAsync(string target, string? expectedDeployment = null, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        var state = await _store.GetTargetStateAsync(config.Name, cancellationToken);
        CheckRollbackAllowed(config, state);
        return ChooseNewest(config.Name, await _store.GetDeploymentsAsync(config.Name, cancellationToken), expectedDeployment);
    }

    /// <summary>
    /// Rolls back the newest applied deployment of a target by applying its stored inverse in one transaction,
    /// marks the target off the train, and records who, why and how long it took.
    /// </summary>
    public Task<RollbackResult> RollbackAsync(RollbackRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        AuditedAsync("rollback", request.Target, request.Who, request.Reason, scope => RollbackCoreAsync(request, scope, progress, cancellationToken), cancellationToken);

    private async Task<RollbackResult> RollbackCoreAsync(RollbackRequest request, Audit.AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var target = _config.Target(request.Target);
        await using var targetLock = await LockAsync(target.Name, "rollback", request.Who, cancellationToken);
        await RecoverAsync(target, cancellationToken);
        var state = await _store.GetTargetStateAsync(target.Name, cancellationToken);
        CheckRollbackAllowed(target, state);
        var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
        var deployment = ChooseNewest(target.Name, deployments, request.ExpectedDeployment);
        scope.Deployment = deployment.Id;
        scope.FromVersion = $"{deployment.BundleId} ({deployment.Id})";
        scope.ToVersion = VersionOf(deployments, except: deployment.Id);

        var started = _time.GetTimestamp();
        var startedAt = _time.GetUtcNow();
        deployment = deployment with { Status = DeploymentStatus.RollingBack, RolledBackBy = request.Who, RollbackReason = request.Reason };
        await _store.UpdateDeploymentAsync(deployment, cancellationToken);

        ApplySummary summary;
        try
        {
            using var inverse = await _artifacts.OpenAsync(deployment.InverseDigest!, cancellationToken);
            await using var targetStore = _targets.Open(target);
            await using var session = await targetStore.BeginAsync(cancellationToken);
            var marker = await session.ReadMarkerAsync(deployment.Id, cancellationToken)
                ?? throw new OperationFailedException($"target {target.Name} has no marker for deployment {deployment.Id}: its database was replaced or restored outside Rewind, so the inverse cannot be trusted to apply");
            summary = await _applier.ApplyAsync(inverse, session, capture: null, deployment.Id, progress, cancellationToken);
            await session.WriteMarkerAsync(marker with { RolledBackAt = startedAt }, cancellationToken);
            await session.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A rollback that fails leaves the target as it was (one transaction) but in an unknown-good state
            // for the operator: freeze it, so nothing further is applied until a person decides.
            var frozen = new TargetState(target.Name, TrainState.Frozen, $"rollback of {deployment.Id} failed: {e.Message}", request.Who, _time.GetUtcNow(), deployment.Id);
            await _store.SaveAsync(deployment with { Status = DeploymentStatus.Verified, Error = $"rollback failed: {e.Message}" }, frozen, CancellationToken.None);
            throw new OperationFailedException($"rollback of {deployment.Id} on {target.Name} failed; the target is frozen and nothing further will be applied to it. Cause: {e.Message}", e);
        }

        var elapsed = _time.GetElapsedTime(started);
        deployment = deployment with
        {
            Status = DeploymentStatus.RolledBack,
            RolledBackAt = startedAt,
            RollbackDuration = elapsed,
            RollbackOverBudget = elapsed > _config.RollbackBudget,
        };
        var offTrain = OffTrain(target.Name, deployment, request.Who, startedAt);
        await _store.SaveAsync(deployment, offTrain, CancellationToken.None);
        return new RollbackResult(deployment, summary, offTrain, Resumed: false);
    }

    private static void CheckRollbackAllowed(Configuration.TargetConfig target, TargetState state)
    {
        if (target.Shared)
        {
            throw new RefusedException("shared-target", $"target {target.Name} is on shared infrastructure (shared: true): rolling it back alone would block every other tenant's patch train. Roll back through the platform team's shared procedure.");
        }

        if (state.State == TrainState.Frozen)
        {
            throw HeldRefusal(state, "rollback");
        }
    }

    /// <summary>Rollback goes strictly newest first: only the newest applied deployment can be chosen.</summary>
    private static Deployment ChooseNewest(string target, IReadOnlyList<Deployment> deployments, string? expected)
    {
        var newest = deployments.FirstOrDefault(d => d.IsApplied);
        if (expected is not null)
        {
            var named = deployments.FirstOrDefault(d => d.Id == expected)
                ?? throw new BadInputException($"target {target} has no deployment '{expected}'; see: rewind history --target {target}");
            var now = newest is null
                ? "No applied deployment remains on it."
                : $"The newest applied deployment is now {newest.Id} ({newest.BundleId}).";
            if (named.Status == DeploymentStatus.RolledBack)
            {
                throw new RefusedException("already-rolled-back", $"deployment {named.Id} ({named.BundleId}) on {target} was already rolled back at {named.RolledBackAt:yyyy-MM-dd HH:mm:ss}Z by {named.RolledBackBy}; nothing was changed. {now}");
            }

            if (named.Status == DeploymentStatus.Failed)
            {
                throw new RefusedException("not-applied", $"deployment {named.Id} ({named.BundleId}) on {target} failed and was never applied; there is nothing of it to roll back. {now}");
            }

            if (newest is not null && named.Id != newest.Id)
            {
                throw new RefusedException("not-newest", $"deployment {named.Id} ({named.BundleId}) is not the newest applied deployment on {target}: {newest.Id} ({newest.BundleId}, deployed {newest.StartedAt:yyyy-MM-dd HH:mm}Z) is. Rollback goes in reverse order only: roll back {newest.Id} first.");
            }
        }

        if (newest is null)
        {
            var last = deployments.Where(d => d.Status == DeploymentStatus.RolledBack).MaxBy(d => d.RolledBackAt);
            throw new RefusedException("nothing-to-roll-back", last is null
                ? $"target {target} has no applied deployment: there is nothing to roll back"
                : $"target {target} has no applied deployment left: the last one, {last.Id} ({last.BundleId}), was already rolled back at {last.RolledBackAt:yyyy-MM-dd HH:mm:ss}Z by {last.RolledBackBy}. Nothing to roll back.");
        }

        if (newest.InverseDigest is null)
        {
            throw new RefusedException("no-known-good-state", $"deployment {newest.Id} on {target} has no recorded inverse, so there is no known-good prior state to return to");
        }

        return newest;
    }
}
