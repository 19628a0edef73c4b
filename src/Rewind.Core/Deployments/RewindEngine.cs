using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.ControlPlane;
using Rewind.Core.Locks;
using Rewind.Core.Targets;

namespace Rewind.Core.Deployments;

/// <summary>
/// The engine: deploy with inverse capture, rollback newest-first, the train hold, and the queries the shells
/// render. A library first; the CLI and the server are thin shells over it.
/// </summary>
public sealed partial class RewindEngine
{
    private readonly RewindConfig _config;
    private readonly IControlPlaneStore _store;
    private readonly ITargetStoreFactory _targets;
    private readonly ArtifactStore _artifacts;
    private readonly TimeProvider _time;
    private readonly BundleApplier _applier;
    private readonly IAuditLog _audit;

    public RewindEngine(RewindConfig config, IControlPlaneStore store, IAuditLog audit, ITargetStoreFactory targets, ArtifactStore artifacts, TimeProvider time)
    {
        _config = config;
        _store = store;
        _audit = audit;
        _targets = targets;
        _artifacts = artifacts;
        _time = time;
        _applier = new BundleApplier(config.Layers);
    }

    public RewindConfig Config => _config;

    public ArtifactStore Artifacts => _artifacts;

    /// <summary>For http checks and webhooks; per-request deadlines come from each check's timeout.</summary>
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Opens and validates a bundle, including that its layers are ones this configuration knows.</summary>
    public async Task<Bundle> OpenBundleAsync(string path, CancellationToken cancellationToken = default)
    {
        var bundle = await Bundle.OpenAsync(path, BundleLimits.Default, cancellationToken);
        var unknown = bundle.RecordFiles.FirstOrDefault(f => !_config.Layers.Contains(f.Layer, StringComparer.Ordinal));
        if (unknown is not null)
        {
            bundle.Dispose();
            throw new BundleInvalidException(unknown.Path, 0, $"unknown layer '{unknown.Layer}': the layers are {string.Join(", ", _config.Layers)}");
        }

        return bundle;
    }

    private Task<TargetLock> LockAsync(string target, string operation, string who, CancellationToken cancellationToken) =>
        TargetLock.AcquireAsync(_store, _time, target, operation, who, cancellationToken);

    /// <summary>
    /// Settles operations a crash interrupted, from the target's marker: the marker is written in the same
    /// transaction as the change, so it says whether the change happened; the ledger is brought in line.
    /// </summary>
    private async Task RecoverAsync(TargetConfig target, CancellationToken cancellationToken)
    {
        var pending = (await _store.GetDeploymentsAsync(target.Name, cancellationToken))
            .Where(d => d.Status is DeploymentStatus.Applying or DeploymentStatus.RollingBack)
            .ToList();
        if (pending.Count == 0)
        {
            return;
        }

        await using var targetStore = _targets.Open(target);
        foreach (var deployment in pending)
        {
            DeploymentMarker? marker;
            await using (var session = await targetStore.BeginAsync(cancellationToken))
            {
                marker = await session.ReadMarkerAsync(deployment.Id, cancellationToken);
            }

            var now = _time.GetUtcNow();
            if (deployment.Status == DeploymentStatus.Applying)
            {
                await _store.UpdateDeploymentAsync(marker is null
                    ? deployment with { Status = DeploymentStatus.Failed, FinishedAt = now, Error = "interrupted before it applied; the target is unchanged" }
                    : deployment with { Status = DeploymentStatus.Applied, InverseDigest = marker.InverseDigest, Error = "interrupted after it applied, before it was verified: deploy it again to verify it" }, cancellationToken);
            }
            else if (marker?.RolledBackAt is { } rolledBackAt)
            {
                await _store.SaveAsync(
                    deployment with { Status = DeploymentStatus.RolledBack, RolledBackAt = rolledBackAt },
                    OffTrain(target.Name, deployment, deployment.RolledBackBy ?? "unknown", rolledBackAt),
                    cancellationToken);
            }
            else
            {
                // The rollback's transaction never committed: the deployment is still applied, and a new
                // rollback request will run it again from the start.
                await _store.UpdateDeploymentAsync(deployment with { Status = deployment.FinishedAt is not null && deployment.Checks.All(c => c.Outcome == Verification.CheckOutcome.Passed) ? DeploymentStatus.Verified : DeploymentStatus.Applied }, cancellationToken);
            }
        }
    }

    private static TargetState OffTrain(string target, Deployment deployment, string who, DateTimeOffset since) =>
        new(target, TrainState.OffTrain, $"rolled back {deployment.Id} ({deployment.BundleId})", who, since, deployment.Id);

    private static RefusedException HeldRefusal(TargetState state, string operation) => state.State switch
    {
        TrainState.Frozen => new RefusedException("frozen", $"target {state.Target} is frozen since {state.Since:yyyy-MM-dd HH:mm}Z: {state.Reason}. No {operation} is applied to a frozen target; after the incident is handled, record the decision with: rewind unfreeze --target {state.Target} --reason \"...\""),
        _ => new RefusedException("off-train", $"target {state.Target} is off the train since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason}, by {state.Who}). No deployment lands until a person clears it: rewind clear --target {state.Target} --reason \"...\""),
    };
}
