using Rewind.Core.Artifacts;
using Rewind.Core.Inverse;

namespace Rewind.Core.Deployments;

public sealed partial class RewindEngine
{
    /// <summary>
    /// Deploys a bundle to one target: lock, check the hold, store the bundle, then in one target transaction
    /// capture the inverse while applying, publish the inverse durably, and write the deployment marker. The
    /// transaction commits only after the inverse is on disk, so no deployment ever lands without its inverse.
    /// </summary>
    public Task<DeployResult> DeployAsync(DeployRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        AuditedAsync("deploy", request.Target, request.Who, request.Reason, scope => DeployCoreAsync(request, scope, progress, cancellationToken), cancellationToken);

    private async Task<DeployResult> DeployCoreAsync(DeployRequest request, Audit.AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var target = _config.Target(request.Target);
        using var bundle = await OpenBundleAsync(request.BundlePath, cancellationToken);
        await using var targetLock = await LockAsync(target.Name, "deploy", request.Who, cancellationToken);
        await RecoverAsync(target, cancellationToken);

        var state = await _store.GetTargetStateAsync(target.Name, cancellationToken);
        if (state.State != TrainState.OnTrain)
        {
            throw HeldRefusal(state, "deployment");
        }

        scope.FromVersion = VersionOf(await _store.GetDeploymentsAsync(target.Name, cancellationToken));
        await _artifacts.StoreAsync(bundle, cancellationToken);
        var deployment = new Deployment
        {
            Id = await _store.NextDeploymentIdAsync(cancellationToken),
            Target = target.Name,
            BundleId = bundle.Manifest.Id,
            BundleDigest = bundle.Digest,
            Kind = bundle.Manifest.Kind,
            Status = DeploymentStatus.Applying,
            Who = request.Who,
            Reason = request.Reason,
            StartedAt = _time.GetUtcNow(),
            Records = bundle.RecordCount,
            Rows = bundle.RowCount,
        };

        scope.Deployment = deployment.Id;
        scope.ToVersion = $"{deployment.BundleId} ({deployment.Id})";

        // Recorded before the target changes: if this process dies mid-apply, the next operation finds the
        // entry and settles it from the target's marker.
        await _store.InsertDeploymentAsync(deployment, cancellationToken);
        var writer = _artifacts.CreateWriter();
        var published = false;
        ApplySummary summary;
        string inverseDigest;
        try
        {
            await using var targetStore = _targets.Open(target);
            await using var session = await targetStore.BeginAsync(cancellationToken);
            summary = await _applier.ApplyAsync(bundle, session, new InverseCapture(writer), deployment.Id, progress, cancellationToken);
            inverseDigest = await _artifacts.PublishAsync(writer, InverseCapture.ManifestFor(bundle.Manifest), cancellationToken);
            published = true;
            await session.WriteMarkerAsync(new Targets.DeploymentMarker(deployment.Id, deployment.BundleId, deployment.BundleDigest, inverseDigest, _time.GetUtcNow(), null), cancellationToken);
            await session.CommitAsync(cancellationToken);
        }
        catch (Exception e)
        {
            if (!published)
            {
                await ArtifactStore.DiscardAsync(writer);
            }

            if (e is BadInputException)
            {
                // The bundle cannot apply to this target: the transaction rolled back, so leave no trace in the ledger.
                await _store.DeleteDeploymentAsync(deployment.Id, CancellationToken.None);
                throw;
            }

            await _store.UpdateDeploymentAsync(deployment with { Status = DeploymentStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = e.Message }, CancellationToken.None);
            throw e as RewindException ?? new OperationFailedException($"deploy of {bundle.Manifest.Id} to {target.Name} failed and was not applied; the target is unchanged. Cause: {e.Message}", e);
        }

        // Without configured checks a deployment counts as verified once applied.
        deployment = deployment with { Status = DeploymentStatus.Verified, InverseDigest = inverseDigest, FinishedAt = _time.GetUtcNow() };
        await _store.UpdateDeploymentAsync(deployment, CancellationToken.None);
        return new DeployResult(deployment, summary);
    }
}
