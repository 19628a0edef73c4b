using Rewind.Core.Access;
using Rewind.Core.Configuration;
using Rewind.Core.Ledger;
using Rewind.Core.Locks;
using Rewind.Core.Outcomes;
using Rewind.Core.Targets;
using Rewind.Core.Verification;

namespace Rewind.Core.Engine;

/// <summary>Crash recovery: the deployment lifecycle driven from the target's marker instead of from a request.</summary>
internal sealed class Recovering(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    /// <summary>
    /// Settles operations a crash interrupted, from the target's marker and the deployment's journal. The marker
    /// is written in the same transaction as the change, so it says whether the change happened: a deploy that
    /// applied its metadata goes forward (its code slots are switched; it stays unverified until deployed or
    /// recovered again), one that had not is marked failed; a rollback whose metadata went back is finished
    /// (slots back, checks, off-train or frozen), one whose did not is as if it never started. Returns the
    /// rollbacks it finished.
    /// </summary>
    internal async Task<IReadOnlyList<RollbackResult>> RecoverAsync(TargetConfig target, TargetLock held, CancellationToken cancellationToken)
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
                    await Uses.CodeSlots.SwitchSlotsAsync(target, journal, back: false, cancellationToken);
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
            var notice = RollingBack.RollbackNotice(target, deployment, deployment.RolledBackBy ?? "unknown", deployment.RollbackReason, scope, marker.RolledBackAt.Value);
            var result = await AuditedAsync("rollback", target.Name, deployment.RolledBackBy ?? "unknown", deployment.RollbackReason,
                s => Uses.RollingBack.FinishRollbackAsync(target, journal, new ApplySummary(0, 0, [], [], []), s, notice, _time.GetTimestamp(), cancellationToken),
                cancellationToken);
            finished.Add(result with { Resumed = true });
        }

        return finished;
    }

    public async Task<IReadOnlyList<Deployment>> RecoverTargetAsync(string target, string who, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        // A permitted recovery audits each operation it finishes; a refusal is audited as recover.
        await Uses.Authorizing.RequireAsync(who, Permissions.Recover, config.Name, cancellationToken: cancellationToken);

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
                    scope => Uses.Deploying.VerifyDeploymentAsync(config, targetLock, new DeploymentLifecycle(_store, _time, targetLock, newest, _logging), new ApplySummary(0, 0, [], [], []), scope, null, cancellationToken),
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
}
