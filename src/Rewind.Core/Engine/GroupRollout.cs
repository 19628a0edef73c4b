using Rewind.Core.Access;
using Rewind.Core.Audit;
using Rewind.Core.Locks;
using Rewind.Core.Train;
using Rewind.Core.Verification;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;
using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

internal sealed class GroupRollout(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public Task<GroupDeployResult> DeployGroupAsync(GroupDeployRequest request, CancellationToken cancellationToken = default) =>
        AuditedAsync("deploy-group", null, request.Who, request.Reason, scope => DeployGroupCoreAsync(request, scope, cancellationToken), cancellationToken);

    private async Task<GroupDeployResult> DeployGroupCoreAsync(GroupDeployRequest request, AuditScope scope, CancellationToken cancellationToken)
    {
        var group = _config.Group(request.Group);
        Authorize(request.Who, Permissions.DeployGroup);
        Uses.DeployWindows.RequireOpenWindow(group.Window, $"group {group.Name}", request.OutsideWindow, request.Reason, scope);
        foreach (var member in group.Stages.SelectMany(s => s))
        {
            // A member's own window wins over the group's; each is checked before anything runs.
            Uses.DeployWindows.RequireOpenWindow(_config.WindowOf(member), $"target {member} (group {group.Name})", request.OutsideWindow, request.Reason, scope);
        }

        // One rollout per group at a time: two at once would both build on the same train head.
        await using var groupLock = await LockAsync(Locks.TargetLock.GroupKey(group.Name), "deploy-group", request.Who, cancellationToken);
        string bundleId, digest;
        Bundles.BundleKind kind;
        using (var bundle = await StageBundleAsync(request.BundlePath, cancellationToken))
        {
            (bundleId, digest, kind) = (bundle.Manifest.Id, bundle.Digest, bundle.Manifest.Kind);
            // Every member gets the stored copy read here, not the caller's files, which may change during the rollout.
            await _artifacts.StoreAsync(bundle, cancellationToken);
        }

        var bundlePath = _artifacts.PathOf(digest);

        var (matrix, _) = await Uses.TrainQueries.MatrixAsync(group, cancellationToken);
        var aboard = matrix.Bundles.FirstOrDefault(e => e.BundleDigest == digest);
        scope.FromVersion = matrix.Head == 0 ? $"group {group.Name}: empty train" : $"group {group.Name}: train head {matrix.Bundles[^1].BundleId} (position {matrix.Head})";
        scope.ToVersion = bundleId;

        // A target takes a new bundle only from the head of the train; a bundle already aboard (a re-run), only
        // from the position just before it. Anything else would land on a state the bundle was not built against.
        var needed = aboard is null ? matrix.Head : aboard.Position - 1;
        var stages = new List<StageResult>();
        var deployedAll = new List<DeployResult>();
        int? stoppedAt = null;
        string? stopReason = null;
        var trainPosition = aboard?.Position;
        for (var i = 0; i < group.Stages.Count && stoppedAt is null; i++)
        {
            var stage = i + 1;
            // The stage's targets, parallel at a time (groups.G.parallel), each its own deploy with its own lock and
            // journal; after a failure no new one starts, and those in flight finish.
            var items = await StageRunner.RunAsync(group.Stages[i], group.Parallel,
                name => DeployMemberAsync(groupLock, group, stage, name, matrix, aboard, needed, bundlePath, bundleId, digest, kind, request, cancellationToken),
                item => item.Failure is not null || item.Deployed is { Succeeded: false }, cancellationToken);
            var deployed = items.Where(x => x.Deployed is not null).Select(x => x.Deployed!).ToList();
            var skipped = items.Where(x => x.Skipped is not null).Select(x => x.Skipped!).ToList();
            var failures = items.Where(x => x.Failure is not null).Select(x => x.Failure!).ToList();
            var rolledBack = new List<RollbackResult>();
            deployedAll.AddRange(deployed);
            var verified = deployed.Where(r => r.Succeeded).ToList();
            string gate;
            var failed = deployed.FirstOrDefault(r => !r.Succeeded);
            if (failed is not null && failed.Verification.Outcome == VerificationOutcome.Inconclusive)
            {
                stopReason = $"stage {stage}: {failed.Deployment.Target} did not verify (inconclusive: {failed.Verification.Summary}); it is left applied for an operator to decide, and the stage's other targets are left as they are";
                gate = "stopped: inconclusive";
                stoppedAt = stage;
            }
            else if (failed is not null || failures.Count > 0)
            {
                var why = failed is not null
                    ? $"{failed.Deployment.Target} failed verification: {failed.Verification.Summary}"
                    : $"{failures[0].Target}: {failures[0].Error}";
                await RollBackStageAsync(groupLock, group.Name, stage, why, verified, rolledBack, failures, cancellationToken);
                stopReason = $"stage {stage}: {why}; the stage's deployed targets were rolled back and later stages never saw {bundleId}";
                gate = "failed";
                stoppedAt = stage;
            }
            else if (verified.Count == 0)
            {
                gate = deployed.Count == 0 ? "passed: every target skipped" : "passed: already applied";
            }
            else if (i == group.Stages.Count - 1)
            {
                gate = "passed: every deployment verified";
            }
            else if (group.Soak <= TimeSpan.Zero || request.SkipSoak)
            {
                gate = request.SkipSoak && group.Soak > TimeSpan.Zero
                    ? $"passed: every deployment verified; soak of {group.Soak} skipped (--skip-soak)"
                    : "passed: every deployment verified (no soak configured)";
            }
            else
            {
                // The soak is what lets a slow regression show itself before the next stage is exposed.
                await Task.Delay(group.Soak, _time, cancellationToken);
                var regression = await RecheckAsync(verified, bundleId, cancellationToken);
                if (regression is null)
                {
                    gate = $"passed: every deployment verified, soaked {group.Soak}, checks passed again";
                }
                else if (regression.Value.Outcome == VerificationOutcome.Inconclusive)
                {
                    stopReason = $"stage {stage}: after the soak, {regression.Value.Target}'s checks were inconclusive ({regression.Value.Summary}); the stage is left applied for an operator to decide";
                    gate = "stopped: inconclusive after the soak";
                    stoppedAt = stage;
                }
                else
                {
                    var why = $"after the soak, {regression.Value.Target} failed its checks: {regression.Value.Summary}";
                    await RollBackStageAsync(groupLock, group.Name, stage, why, verified, rolledBack, failures, cancellationToken);
                    stopReason = $"stage {stage}: {why}; the stage's deployed targets were rolled back and later stages never saw {bundleId}";
                    gate = "failed after the soak";
                    stoppedAt = stage;
                }
            }

            if (stoppedAt is null && trainPosition is null && verified.Count > 0)
            {
                var boarded = await _store.BoardTrainAsync(group.Name, bundleId, digest, request.Who, _time.GetUtcNow(), groupLock.Holder, cancellationToken)
                    ?? throw groupLock.LostLedgerWrite();
                trainPosition = boarded.Position;
            }

            stages.Add(new StageResult(stage, deployed, skipped, failures, rolledBack, gate));
        }

        // Alignment: targets whose state over the bundle's keys differed from the majority captured their own inverse.
        var fresh = deployedAll.Where(r => !r.AlreadyApplied && r.Deployment.PriorFingerprint is not null).ToList();
        var majority = TrainQueries.Majority(fresh.Select(r => r.Deployment.PriorFingerprint!));
        var diverged = fresh.Where(r => r.Deployment.PriorFingerprint != majority)
            .Select(r => new DivergedTarget(r.Deployment.Target, r.Deployment.Id, r.Deployment.PriorFingerprint, r.Deployment.InverseDigest))
            .ToList();

        var skippedAll = stages.SelectMany(s => s.Skipped).ToList();
        scope.Failed = stoppedAt is not null;
        scope.Detail = string.Join("; ", new[]
        {
            $"group {group.Name}: {string.Join(", ", stages.Select(s => $"stage {s.Stage} {s.Gate}"))}",
            skippedAll.Count > 0 ? $"skipped {string.Join(", ", skippedAll.Select(s => s.Target))}" : null,
            diverged.Count > 0 ? $"diverged {string.Join(", ", diverged.Select(d => d.Target))}" : null,
            request.SkipSoak ? "soak skipped (--skip-soak)" : null,
            stopReason,
        }.Where(s => s is not null));
        return new GroupDeployResult(group.Name, bundleId, digest, stages, diverged, request.SkipSoak, stoppedAt, stopReason)
        {
            TrainPosition = trainPosition,
            MajorityFingerprint = majority,
        };
    }

    /// <summary>What one target of a stage came to: deployed (or not verified), passed by, or refused before applying.</summary>
    private sealed record StageItem(DeployResult? Deployed, SkippedTarget? Skipped, StageFailure? Failure);

    /// <summary>One target of a rollout's stage: passed by when off-train, frozen, diverged or behind the train; else deployed.</summary>
    private async Task<StageItem> DeployMemberAsync(TargetLock groupLock, GroupConfig group, int stage, string name, TrainMatrix matrix, TrainEntry? aboard, int needed, string bundlePath, string bundleId, string digest, Bundles.BundleKind kind, GroupDeployRequest request, CancellationToken cancellationToken)
    {
        // A rollout whose group lock was broken (rewind unlock --group) while it hung goes no further: it
        // checks before each target, and its skips and its boarding are fenced by the lock.
        await groupLock.EnsureHeldAsync(cancellationToken);
        var row = matrix.Targets.Single(r => r.Target == name);
        var state = await _store.GetTargetStateAsync(name, cancellationToken);
        var hasIt = aboard is not null && row.Cells[aboard.Position - 1].State.IsOn();
        var skip = state.State switch
        {
            TrainState.OffTrain => $"off-train since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason})",
            TrainState.Frozen => $"frozen since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason})",
            TrainState.Diverged => $"diverged since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason}); it rejoins once realigned and cleared (rewind realign --target {name})",
            _ when row.Position < needed && !hasIt => $"behind the train: at position {row.Position} of {matrix.Head}; realign it first (rewind realign --target {name})",
            _ => null,
        };
        if (skip is not null)
        {
            return new StageItem(null, new SkippedTarget(name, skip, await RecordSkipAsync(groupLock, name, bundleId, digest, kind, group.Name, stage, request, skip, cancellationToken)) { State = state.StateName }, null);
        }

        try
        {
            return new StageItem(await Uses.Deploying.DeployAsync(new DeployRequest(bundlePath, name, request.Who, request.Reason) { Group = group.Name, Stage = stage, OutsideWindow = request.OutsideWindow, Authorized = true }, null, cancellationToken), null, null);
        }
        catch (RewindException e)
        {
            return new StageItem(null, null, new StageFailure(name, e.Message, e.ExitCode));
        }
    }

    /// <summary>Rolls back, newest first, the deployments a failed stage made (the failing one rolled itself back).</summary>
    private async Task RollBackStageAsync(TargetLock groupLock, string group, int stage, string why, List<DeployResult> verified, List<RollbackResult> rolledBack, List<StageFailure> failures, CancellationToken cancellationToken)
    {
        foreach (var result in Enumerable.Reverse(verified).Where(r => !r.AlreadyApplied))
        {
            // Not on behalf of a rollout whose lock was broken: the targets may be its successor's by now.
            await groupLock.EnsureHeldAsync(cancellationToken);
            try
            {
                var reason = $"group {group} stage {stage} failed: {why}";
                rolledBack.Add(await Uses.RollingBack.RollbackAsync(new RollbackRequest(result.Deployment.Target, RewindEngine.AutomaticActor, reason, result.Deployment.Id) { Authorized = true }, null, cancellationToken));
            }
            catch (RewindException e)
            {
                failures.Add(new StageFailure(result.Deployment.Target, $"stage rollback of {result.Deployment.Id} failed: {e.Message}", e.ExitCode));
            }
        }
    }

    /// <summary>Runs the checks of each verified target of a stage again; the first that does not pass, or null.</summary>
    private async Task<(string Target, VerificationOutcome Outcome, string Summary)?> RecheckAsync(List<DeployResult> verified, string bundleId, CancellationToken cancellationToken)
    {
        foreach (var result in verified)
        {
            var target = _config.Target(result.Deployment.Target);
            var verification = await Uses.Deploying.VerifyAsync(target, Deploying.HookEnvironment(target, "soak", result.Deployment.Id, bundleId), cancellationToken);
            if (verification.Outcome != VerificationOutcome.Passed)
            {
                return (target.Name, verification.Outcome, verification.Summary);
            }
        }

        return null;
    }

    /// <summary>Records that a rollout passed a target by, so the train shows "skipped" and its history says why.</summary>
    private async Task<string> RecordSkipAsync(TargetLock groupLock, string target, string bundleId, string digest, Bundles.BundleKind kind, string group, int stage, GroupDeployRequest request, string why, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var skipped = DeploymentLifecycle.Skipped(new Deployment
        {
            Id = await _store.NextDeploymentIdAsync(cancellationToken),
            Target = target,
            BundleId = bundleId,
            BundleDigest = digest,
            Kind = kind,
            Who = request.Who,
            Reason = request.Reason,
            Group = group,
            Stage = stage,
        }, $"skipped by group {group}'s rollout: {why}", now);
        // Fenced by the group's lock: a rollout whose lock was broken must not mark targets skipped for the next one.
        await groupLock.WriteFencedAsync(h => _store.InsertDeploymentAsync(skipped, h, cancellationToken));
        return skipped.Id;
    }
}
