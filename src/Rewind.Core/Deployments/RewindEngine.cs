using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.ControlPlane;
using Rewind.Core.Locks;
using Rewind.Core.Targets;
using Rewind.Core.Verification;

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
    private readonly ILoggerFactory _logging;
    private readonly ILogger _log;

    /// <summary>The engine over its stores; <paramref name="logging"/> is where it logs steps and faults (default: nowhere).</summary>
    public RewindEngine(RewindConfig config, IControlPlaneStore store, IAuditLog audit, ITargetStoreFactory targets, ArtifactStore artifacts, TimeProvider time, ILoggerFactory? logging = null)
    {
        _logging = logging ?? NullLoggerFactory.Instance;
        _log = _logging.CreateLogger("Rewind.Engine");
        _config = config;
        _store = new SecretMaskingStore(store);
        _audit = audit as AnchoredAuditLog ?? new AnchoredAuditLog(audit, config, targets);
        _targets = targets;
        _artifacts = artifacts;
        _time = time;
        _applier = new BundleApplier(config.Layers);
    }

    public RewindConfig Config => _config;

    public ArtifactStore Artifacts => _artifacts;

    /// <summary>For http checks and webhooks; per-request deadlines come from each check's timeout.</summary>
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Opens and validates a bundle within the configured limits, including that its layers are ones this configuration knows.</summary>
    public async Task<Bundle> OpenBundleAsync(string path, CancellationToken cancellationToken = default) =>
        KnownLayersOnly(await _artifacts.OpenPathAsync(path, _config.Limits, cancellationToken));

    /// <summary>
    /// Like <see cref="OpenBundleAsync"/>, reading the caller's files once into the artifact store's staging area:
    /// what a deploy stores and applies is that copy, never the caller's files again.
    /// </summary>
    private async Task<Bundle> StageBundleAsync(string path, CancellationToken cancellationToken) =>
        KnownLayersOnly(await _artifacts.StageAsync(path, _config.Limits, cancellationToken));

    private Bundle KnownLayersOnly(Bundle bundle)
    {
        var unknown = bundle.RecordFiles.FirstOrDefault(f => !_config.Layers.Contains(f.Layer, StringComparer.Ordinal));
        if (unknown is not null)
        {
            bundle.Dispose();
            throw new BundleInvalidException(unknown.Path, 0, $"unknown layer '{unknown.Layer}': the layers are {string.Join(", ", _config.Layers)}");
        }

        return bundle;
    }

    /// <summary>Refuses (<c>not-authorized</c>) unless <paramref name="who"/> has <paramref name="role"/>; the message names what it takes.</summary>
    private void RequireRole(string who, string role, string action)
    {
        if (!_config.HasRole(who, role))
        {
            throw NotAuthorized(who, role, action);
        }
    }

    private static RefusedException NotAuthorized(string who, string role, string action) =>
        new("not-authorized", $"{who} may not {action}: it takes the {role} role (roles in {RewindConfig.FileName})");

    private Task<TargetLock> LockAsync(string target, string operation, string who, CancellationToken cancellationToken) =>
        TargetLock.AcquireAsync(_store, _time, _config.Locks, target, operation, who, cancellationToken);

    /// <summary>
    /// The lock of an operation that writes the target: taken in the ledger, then claimed in the target itself
    /// before anything is read, so a holder whose lock was broken can no longer commit there. A target database
    /// that does not exist yet has nothing to fence, and only a deploy (<paramref name="createsTarget"/>) may make
    /// it: a rollback refused on a mistyped path must not leave an empty database behind.
    /// </summary>
    private async Task<TargetLock> LockTargetAsync(TargetConfig target, string operation, string who, CancellationToken cancellationToken, bool createsTarget = false)
    {
        using var span = Observability.RewindTracing.Step("lock", target: target.Name);
        var waiting = _time.GetTimestamp();
        var held = await LockAsync(target.Name, operation, who, cancellationToken);
        try
        {
            await using var targetStore = _targets.Open(target);
            if (createsTarget || targetStore.Exists)
            {
                await held.ClaimAsync(targetStore, cancellationToken);
            }

            Observability.RewindMetrics.LockWaited(target.Name, _time.GetElapsedTime(waiting));
            return held;
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Settles operations a crash interrupted, from the target's marker and the deployment's journal. The marker
    /// is written in the same transaction as the change, so it says whether the change happened: a deploy that
    /// applied its metadata goes forward (its code slots are switched; it stays unverified until deployed or
    /// recovered again), one that had not is marked failed; a rollback whose metadata went back is finished
    /// (slots back, checks, off-train or frozen), one whose did not is as if it never started. Returns the
    /// rollbacks it finished.
    /// </summary>
    private async Task<IReadOnlyList<RollbackResult>> RecoverAsync(TargetConfig target, TargetLock held, CancellationToken cancellationToken)
    {
        var pending = (await _store.GetDeploymentsAsync(target.Name, cancellationToken))
            .Where(d => d.Status is DeploymentStatus.Applying or DeploymentStatus.RollingBack)
            .ToList();
        var finished = new List<RollbackResult>();
        foreach (var deployment in pending)
        {
            DeploymentMarker? marker;
            await using (var targetStore = _targets.Open(target))
            await using (var session = await targetStore.BeginAsync(cancellationToken))
            {
                marker = await session.ReadMarkerAsync(deployment.Id, cancellationToken);
            }

            var journal = new DeploymentLifecycle(_store, _time, held, deployment, _logging);
            if (deployment.Status == DeploymentStatus.Applying)
            {
                if (marker is null)
                {
                    await journal.SettledFromMarkerAsync(null);
                    continue;
                }

                await journal.SettledFromMarkerAsync(marker);
                try
                {
                    await SwitchSlotsAsync(target, journal, back: false, cancellationToken);
                }
                catch (OperationFailedException)
                {
                    // Left applied and unverified; the journal says which switch failed, and the next attempt retries it.
                }

                continue;
            }

            if (marker?.RolledBackAt is null)
            {
                // The rollback's transaction never committed and its slots were not touched (they go after it):
                // the deployment is still applied, and a new rollback request will run it from the start.
                await journal.RollbackNeverCommittedAsync();
                continue;
            }

            var scope = new Audit.AuditScope();
            var notice = RollbackNotice(target, deployment, deployment.RolledBackBy ?? "unknown", deployment.RollbackReason, scope, marker.RolledBackAt.Value);
            var result = await AuditedAsync("rollback", target.Name, deployment.RolledBackBy ?? "unknown", deployment.RollbackReason,
                s => FinishRollbackAsync(target, journal, new ApplySummary(0, 0, [], [], []), s, notice, _time.GetTimestamp(), cancellationToken),
                cancellationToken);
            finished.Add(result with { Resumed = true });
        }

        return finished;
    }

    /// <summary>Finishes whatever a crash interrupted on a target: <c>rewind recover</c>.</summary>
    public async Task<IReadOnlyList<Deployment>> RecoverTargetAsync(string target, string who, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        await using var targetLock = await LockTargetAsync(config, "recover", who, cancellationToken);
        await RecoverAsync(config, targetLock, cancellationToken);
        var settled = new List<Deployment>();
        while (true)
        {
            var deployments = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
            var newest = deployments.FirstOrDefault(d => d.IsApplied);
            if (newest is { Status: DeploymentStatus.Applied, FinishedAt: null })
            {
                var result = await AuditedAsync("recover", config.Name, who, "finish an interrupted deploy",
                    scope => VerifyDeploymentAsync(config, targetLock, new DeploymentLifecycle(_store, _time, targetLock, newest, _logging), new ApplySummary(0, 0, [], [], []), scope, null, cancellationToken),
                    cancellationToken);
                settled.Add(result.Deployment);

                // One that failed and rolled itself back leaves the deployment under it on top: that one is next.
                if (result.Deployment.Status == DeploymentStatus.RolledBack && (await _store.GetTargetStateAsync(config.Name, cancellationToken)).State != TrainState.Frozen)
                {
                    continue;
                }
            }

            // A newer deployment went on top of these before they were verified: their checks would test the newer
            // one, and a failure would roll them back from under it. They stay applied (each rolls back in its
            // turn), recorded as never verified, with a check result saying so: a status restored later (an
            // interrupted rollback) must not read an empty check list as passed.
            foreach (var deployment in deployments.Where(d => d.Status == DeploymentStatus.Applied && d.FinishedAt is null && d.Id != newest?.Id))
            {
                var why = $"never verified: {newest!.Id} ({newest.BundleId}) was deployed on top of it first";
                var journal = new DeploymentLifecycle(_store, _time, targetLock, deployment, _logging);
                await journal.UpdateAsync(d => d with
                {
                    FinishedAt = _time.GetUtcNow(),
                    Checks = [.. d.Checks, new CheckResult("verification", CheckOutcome.Error, why, 0)],
                    Error = $"{why}; {d.Error}",
                }, cancellationToken);
                settled.Add(journal.Deployment);
            }

            return settled;
        }
    }

    private static TargetState OffTrain(string target, Deployment deployment, string who, DateTimeOffset since) =>
        new(target, TrainState.OffTrain, $"rolled back {deployment.Id} ({deployment.BundleId})", who, since, deployment.Id);

    private static RefusedException HeldRefusal(TargetState state, string operation) => state.State switch
    {
        TrainState.Frozen => new RefusedException("frozen", $"target {state.Target} is frozen since {state.Since:yyyy-MM-dd HH:mm}Z: {state.Reason}. No {operation} is applied to a frozen target; after the incident is handled, record the decision with: rewind unfreeze --target {state.Target} --reason \"...\""),
        TrainState.Diverged => new RefusedException("diverged", $"target {state.Target} is diverged from its group since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason}, by {state.Who}). It takes deploys outside the train (--outside-train --reason) or a realignment until a train-admin clears it: rewind realign --target {state.Target}"),
        _ => new RefusedException("off-train", $"target {state.Target} is off the train since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason}, by {state.Who}). No deployment lands until a person clears it: rewind clear --target {state.Target} --reason \"...\""),
    };
}
