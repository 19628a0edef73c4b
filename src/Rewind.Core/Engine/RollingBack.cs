using Rewind.Core.Access;
using System.Runtime.CompilerServices;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Impact;
using Rewind.Core.Configuration;
using Rewind.Core.Locks;
using Rewind.Core.Notifications;
using Rewind.Core.Verification;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

internal sealed class RollingBack(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<Deployment> PreviewRollbackAsync(string target, string? expectedDeployment = null, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        var state = await _store.GetTargetStateAsync(config.Name, cancellationToken);
        CheckRollbackAllowed(config, state);
        var deployments = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
        var newest = NewestFirstRule.ChooseNewest(config.Name, deployments, expectedDeployment);
        KnownGoodRule.RequireKnownGoodLanding(config.Name, deployments, newest);
        return newest;
    }

    public Task<RollbackResult> RollbackAsync(RollbackRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        AuditedAsync("rollback", request.Target, request.Who, request.Reason, scope => RollbackCoreAsync(request, scope, progress, cancellationToken), cancellationToken);

    private async Task<RollbackResult> RollbackCoreAsync(RollbackRequest request, AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var target = _config.Target(request.Target);
        if (!request.Authorized)
        {
            Authorize(request.Who, Permissions.Rollback);
        }

        await using var targetLock = await LockTargetAsync(target, "rollback", request.Who, cancellationToken);
        var resumed = await Uses.Recovering.RecoverAsync(target, targetLock, cancellationToken);
        if (resumed.FirstOrDefault(r => request.ExpectedDeployment is null || r.Deployment.Id == request.ExpectedDeployment) is { } finished)
        {
            // The rollback this request repeats was interrupted by a crash and has just been completed from its journal.
            scope.Deployment = finished.Deployment.Id;
            scope.Detail = "completed an interrupted rollback from its journal";
            return finished;
        }

        var state = await _store.GetTargetStateAsync(target.Name, cancellationToken);
        CheckRollbackAllowed(target, state);
        var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
        var deployment = NewestFirstRule.ChooseNewest(target.Name, deployments, request.ExpectedDeployment);
        if (request.Toward is null)
        {
            KnownGoodRule.RequireKnownGoodLanding(target.Name, deployments, deployment);
        }

        return await RollbackLockedAsync(target, targetLock, deployment, request.Who, request.Reason, automatic: false, scope, progress, cancellationToken, request.Toward, request.WithGroup);
    }

    /// <summary>
    /// The rollback itself, under a lock the caller holds (a rollback, or a deploy rolling itself back). Order:
    /// before-hooks (a failure changes nothing), the metadata inverse in one transaction with the marker, the code
    /// slots back, after-hooks, checks. A failure after the before-hooks freezes the target: no second attempt.
    /// </summary>
    internal async Task<RollbackResult> RollbackLockedAsync(TargetConfig target, TargetLock held, Deployment deployment, string who, string? reason, bool automatic, AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken, string? toward = null, string? withGroup = null)
    {
        if (!deployment.CanRollBackCode)
        {
            throw new RefusedException("no-known-good-state", $"release {deployment.Id} ({deployment.BundleId}) on {target.Name} cannot be rolled back: {CodeSlots.UnknownPriorWarning(deployment.Code)}. Roll forward with a fixed release instead.");
        }

        var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
        scope.Deployment = deployment.Id;
        scope.FromVersion = $"{deployment.BundleId} ({deployment.Id})";
        scope.ToVersion = VersionOf(deployments, except: deployment.Id);
        var started = _time.GetTimestamp();
        var startedAt = _time.GetUtcNow();
        var notice = RollbackNotice(target, deployment, who, reason, scope, startedAt);
        await NotifyAsync(notice, started, cancellationToken);
        var inverseCommitted = new StrongBox<bool>();
        try
        {
            return await RollbackNotifiedAsync(target, held, deployment, who, reason, automatic, scope, notice, started, startedAt, inverseCommitted, progress, cancellationToken, toward, withGroup);
        }
        catch (LockLostException e)
        {
            // An admin broke the lock and another operation owns the target now: close what "rollback-started"
            // opened, so nobody waits for an end that will not come from this rollback. Whether the target went
            // back decides who finishes: nobody (nothing changed), or the next operation on it, from the marker.
            var outcome = inverseCommitted.Value ? "stopped: lock broken after the inverse was committed; the next operation on the target finishes it" : "stopped: lock broken; nothing changed";
            await NotifyAsync(notice with { Event = "rollback-failed", Outcome = outcome, Detail = e.Message, At = _time.GetUtcNow() }, started, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The rollback once "rollback-started" has gone out: hooks, the inverse, and what follows.</summary>
    private async Task<RollbackResult> RollbackNotifiedAsync(TargetConfig target, TargetLock held, Deployment deployment, string who, string? reason, bool automatic, AuditScope scope, Notification notice, long started, DateTimeOffset startedAt, StrongBox<bool> inverseCommitted, IProgress<OperationProgress>? progress, CancellationToken cancellationToken, string? toward, string? withGroup)
    {
        var environment = Deploying.HookEnvironment(target, "rollback", deployment.Id, deployment.BundleId);
        var before = await held.RunWhileHeldAsync(t => Uses.Deploying.RunHooksAsync("beforeRollback", target.Hooks.BeforeRollback, target, environment, t), cancellationToken);

        // A hook that hangs is the usual reason a lock gets broken: stop here, before anything is written. The
        // image of the deployment read before the hook may be stale by now (a new holder may have rolled it back).
        await held.EnsureHeldAsync(cancellationToken);
        var journal = new DeploymentLifecycle(_store, _time, held, deployment, _logging);
        await journal.HooksRanAsync(before);
        if (before.FirstOrDefault(h => !h.Succeeded) is { } failedHook)
        {
            // Nothing has changed yet: the target stays as it is, and so does its state.
            var message = $"beforeRollback hook '{failedHook.Command}' failed ({Deploying.Describe(failedHook)}); nothing was changed. Output: {failedHook.Output}";
            await NotifyAsync(notice with { Event = "rollback-failed", Outcome = "not started", Detail = message, At = _time.GetUtcNow() }, started, cancellationToken);
            throw new OperationFailedException(message);
        }

        await journal.RollingBackAsync(who, reason, startedAt, automatic, withGroup);

        // What users changed in business tables while the deployment was live, read (read-only, on its own
        // connection) while the inverse applies: on SQLite it counts rows, the one cost that grows with the
        // business data, so it runs beside the work that grows with the patch instead of after it. On a thread of
        // its own: SQLite's driver completes its "async" calls synchronously.
        var business = Task.Run(() => Uses.BusinessTables.BusinessImpactAsync(target, deployment, cancellationToken), cancellationToken);
        ApplySummary summary;
        try
        {
            summary = await journal.StepAsync("apply inverse metadata", () => ApplyInverseAsync(target, held, journal, startedAt, inverseCommitted, progress, cancellationToken), cancellationToken);
        }
        catch (Exception e)
        {
            Observe(business);
            if (e is OperationCanceledException or LockLostException)
            {
                throw;
            }

            if (inverseCommitted.Value)
            {
                // Failed after its commit (cleaning up): the target is back and the ledger says rolling back, so the
                // next operation on the target finishes it from the marker, as after a crash.
                throw new OperationFailedException($"rollback of {deployment.Id} on {target.Name} committed its inverse but failed before finishing ({e.Message}); run rewind recover --target {target.Name} to finish it", e);
            }

            // One transaction: the target is as it was. But the way back failed, so nothing further is applied.
            var why = $"rollback of {deployment.Id} failed: {e.Message}";
            await FreezeAsync(target, journal, committed: false, why, notice, started, e);
            throw new OperationFailedException($"rollback of {deployment.Id} on {target.Name} failed; the target is frozen and nothing further will be applied to it. Cause: {e.Message}", e);
        }

        return await FinishRollbackAsync(target, journal, summary, scope, notice, started, cancellationToken, business, toward);
    }

    /// <summary>Lets a side task end on its own; its failure has nothing left to report to.</summary>
    private static void Observe(Task task) => task.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// The rest of a rollback once its metadata is back: code slots back, after-hooks, checks, and the record.
    /// Also what completes a rollback a crash interrupted after its transaction committed (which reads the
    /// business impact now; a rollback in progress passes the reading it started beside its apply).
    /// </summary>
    internal async Task<RollbackResult> FinishRollbackAsync(TargetConfig target, DeploymentLifecycle journal, ApplySummary summary, AuditScope scope, Notification notice, long started, CancellationToken cancellationToken, Task<IReadOnlyList<BusinessImpact>>? businessImpact = null, string? toward = null)
    {
        var environment = Deploying.HookEnvironment(target, "rollback", journal.Deployment.Id, journal.Deployment.BundleId);
        VerificationResult verification;
        try
        {
            await Uses.CodeSlots.SwitchSlotsAsync(target, journal, back: true, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or LockLostException))
        {
            // All or nothing: the metadata is back but a slot is not. Freeze, so a person decides.
            var why = $"rollback of {journal.Deployment.Id}: the metadata was restored but a code slot could not be switched back: {e.Message}";
            scope.Failed = true;
            scope.Detail = why;
            // The status and the frozen state are written together (FreezeAsync): a crash between two writes would
            // leave a rolled-back deployment on a target that is not held, and a re-run would have nothing to finish.
            if (businessImpact is not null)
            {
                Observe(businessImpact);
            }

            var frozenState = await FreezeAsync(target, journal, committed: true, why, notice, started, e);
            return new RollbackResult(journal.Deployment, summary, frozenState, VerificationResult.From([new CheckResult("switch code slots back", CheckOutcome.Failed, e.Message, 0)]));
        }

        // The impact report is only needed for the record: it keeps reading while the hooks and checks run.
        var businessReading = businessImpact ?? Task.Run(() => Uses.BusinessTables.BusinessImpactAsync(target, journal.Deployment, cancellationToken), cancellationToken);
        IReadOnlyList<HookResult> after;
        try
        {
            after = await journal.Lock.RunWhileHeldAsync(t => Uses.Deploying.RunHooksAsync("afterRollback", target.Hooks.AfterRollback, target, environment, t), cancellationToken);
            await journal.HooksRanAsync(after);
            verification = await journal.StepAsync("verify", () => journal.Lock.RunWhileHeldAsync(t => Uses.Deploying.VerifyAsync(target, environment, t), cancellationToken), cancellationToken);
        }
        catch
        {
            Observe(businessReading);
            throw;
        }

        if (after.FirstOrDefault(h => !h.Succeeded) is { } afterFailure)
        {
            verification = VerificationResult.From([.. verification.Checks, new CheckResult($"afterRollback hook: {afterFailure.Command}", CheckOutcome.Failed, Deploying.Describe(afterFailure), afterFailure.Seconds)]);
        }

        var business = await businessReading;
        var elapsed = _time.GetElapsedTime(started);
        await journal.UpdateAsync(d => d with
        {
            Impact = (d.Impact ?? ImpactReport.Empty) with { BusinessTables = business },
            RollbackDuration = elapsed,
            RollbackOverBudget = elapsed > _config.RollbackBudget,
            RollbackChecks = verification.Checks,
        }, CancellationToken.None);
        // Still rolling-back in the ledger until the status and the target's new state (off-train or frozen) are
        // saved in one transaction below: a crash before that leaves it for the next run to finish from the journal.
        var deployment = journal.Deployment;
        if (deployment.RollbackOverBudget)
        {
            // Seed 001 §7: over budget is a failure condition. The rollback stands (the target is back); the flag
            // travels in the entry, the notification and the result, and status shows it until someone acks it.
            scope.OverBudget = true;
            notice = notice with { OverBudget = true };
            scope.Detail = $"over budget: took {elapsed.TotalSeconds:0.0}s, budget {_config.RollbackBudget.TotalSeconds:0.###}s; investigate, then: rewind ack --target {target.Name} --reason \"...\"";
        }

        // A step of rollback --to lands on a deployment that may never have verified: its checks are recorded, and
        // only the last step, which lands on the verified one, must pass them.
        var intermediate = toward is not null && (await _store.GetDeploymentsAsync(target.Name, cancellationToken)).FirstOrDefault(d => d.IsApplied && d.Id != deployment.Id)?.Id != toward;
        if (intermediate && verification.Outcome != VerificationOutcome.Passed)
        {
            scope.Detail = $"a step of rollback --to {toward}: it lands on a deployment that never verified, so its checks ({verification.Summary}) do not freeze the target";
        }
        else if (verification.Outcome != VerificationOutcome.Passed)
        {
            var why = $"rollback of {deployment.Id} applied but the target did not verify: {verification.Summary}";
            scope.Failed = true;
            scope.Detail = why;
            var frozen = await FreezeAsync(target, journal, committed: true, why, notice, started);
            return new RollbackResult(journal.Deployment, summary, frozen, verification);
        }

        // Rolled back with its whole group, a member stays as it was: the group moves back together, nobody diverged.
        // Read from the deployment, so a rollback a crash interrupted is finished the same way. Seed 003: one
        // partner's failure must not hold up the others. On a shared target the automatic rollback of a failed
        // deploy returns it to where its train left it: the bundle never landed and nobody chose to diverge.
        var offTrain = deployment.RolledBackWithGroup is not null
            ? await _store.GetTargetStateAsync(target.Name, cancellationToken)
            : target.Shared && deployment.AutomaticRollback
            ? await SharedAfterAutomaticRollbackAsync(target.Name, deployment, cancellationToken)
            : OffTrain(target.Name, deployment, deployment.RolledBackBy ?? "unknown", deployment.RolledBackAt ?? _time.GetUtcNow());
        await journal.RolledBackAsync(offTrain);
        await NotifyAsync(notice with { Event = "rollback-completed", Outcome = "rolled-back", DurationSeconds = elapsed.TotalSeconds, At = _time.GetUtcNow() }, started, cancellationToken);
        return new RollbackResult(journal.Deployment, summary, offTrain, verification);
    }

    /// <summary>
    /// A shared target on its train stays on it; any other state (diverged by an outside-train deploy, off-train, a
    /// hold a train-admin must lift) is kept as it is: an automatic rollback never lifts a hold or a divergence.
    /// </summary>
    private async Task<TargetState> SharedAfterAutomaticRollbackAsync(string target, Deployment deployment, CancellationToken cancellationToken)
    {
        var now = await _store.GetTargetStateAsync(target, cancellationToken);
        return now.State == TrainState.OnTrain
            ? new TargetState(target, TrainState.OnTrain, $"automatic rollback of {deployment.Id} ({deployment.BundleId}): it never landed; a shared target stays on its train", deployment.RolledBackBy, deployment.RolledBackAt ?? _time.GetUtcNow(), null)
            : now;
    }

    internal static Notification RollbackNotice(TargetConfig target, Deployment deployment, string who, string? reason, AuditScope scope, DateTimeOffset at) => new()
    {
        Event = "rollback-started", Target = target.Name, Deployment = deployment.Id, Bundle = deployment.BundleId, Reason = reason, Who = who,
        FromVersion = scope.FromVersion, ToVersion = scope.ToVersion, At = at,
    };

    /// <summary>
    /// Applies the inverse in one transaction while watching for live edits: records people changed after the
    /// deployment are saved as a bundle of their own, published before the commit, so nothing is lost.
    /// </summary>
    private async Task<ApplySummary> ApplyInverseAsync(TargetConfig target, TargetLock held, DeploymentLifecycle journal, DateTimeOffset startedAt, StrongBox<bool> committed, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var deployment = journal.Deployment;
        using var inverse = await _artifacts.OpenAsync(deployment.InverseDigest!, cancellationToken);
        using var forward = await _artifacts.OpenAsync(deployment.BundleDigest, cancellationToken);
        var writer = _artifacts.CreateWriter();
        await using var detector = new LiveEditDetector(forward, writer);
        try
        {
            await using var targetStore = _targets.Open(target);
            await using var session = await targetStore.BeginAsync(cancellationToken);
            var marker = await session.ReadMarkerAsync(deployment.Id, cancellationToken)
                ?? throw new OperationFailedException($"target {target.Name} has no marker for deployment {deployment.Id}: its database was replaced or restored outside Rewind, so the inverse cannot be trusted to apply");
            var rows = new RowEditLog(writer);
            var summary = await _applier.ApplyAsync(inverse, session, capture: null, deployment.Id, progress, cancellationToken, watcher: detector, target.PlatformTables, rows, forward);
            string? displaced = null;
            if (detector.Edits.Count > 0 || rows.SavedAny)
            {
                displaced = await _artifacts.PublishAsync(writer, new Bundles.BundleManifest(
                    $"live-edits-before-rollback-of-{deployment.Id}", Bundles.BundleKind.Metadata,
                    $"Records and rows edited after {deployment.BundleId} was deployed, as they were when {deployment.Id} was rolled back", new Dictionary<string, Bundles.CodeArtifact>()), cancellationToken);
            }

            // Recorded before the commit: after a crash the ledger still knows where the edited images went.
            await journal.UpdateAsync(d => d with { Impact = new ImpactReport([], detector.Edits, displaced, summary.Quarantined) { Rows = rows.Outcomes } }, cancellationToken);
            await session.WriteMarkerAsync(marker with { RolledBackAt = startedAt }, cancellationToken);
            await held.EnsureHeldAsync(session, cancellationToken);
            await session.CommitAsync(cancellationToken);
            committed.Value = true;
            return summary;
        }
        finally
        {
            await ArtifactStore.DiscardAsync(writer);
        }
    }

    /// <summary>
    /// Freezes the target (a failed rollback is escalated, never retried automatically) and sends the one escalation.
    /// The deployment is rolled back when its inverse <paramref name="committed"/>, else it is on the target as before.
    /// </summary>
    private async Task<TargetState> FreezeAsync(TargetConfig target, DeploymentLifecycle journal, bool committed, string why, Notification notice, long started, Exception? cause = null)
    {
        var deployment = journal.Deployment;
        var frozen = new TargetState(target.Name, TrainState.Frozen, why, deployment.RolledBackBy, _time.GetUtcNow(), deployment.Id);
        var failing = new OperationFailedException(why, cause);
        await (committed ? journal.RolledBackAsync(frozen, why, failing) : journal.RollbackFailedAsync(frozen, why, failing));
        await NotifyAsync(notice with { Event = "target-frozen", Outcome = "frozen", Detail = why, DurationSeconds = _time.GetElapsedTime(started).TotalSeconds, At = _time.GetUtcNow() }, started, CancellationToken.None);
        return frozen;
    }

    /// <summary>Notifies within what is left of the rollback budget (at most 30 s), so a dead receiver never holds a rollback up.</summary>
    private async Task NotifyAsync(Notification notification, long started, CancellationToken cancellationToken)
    {
        using var span = Observability.RewindTracing.Step($"notify {notification.Event}", target: notification.Target);
        var left = _config.RollbackBudget - _time.GetElapsedTime(started);
        var deadline = TimeSpan.FromSeconds(Math.Clamp(left.TotalSeconds, 1, 30));
        AuditHead? head = null;
        try
        {
            head = _config.Notify.Webhooks.Count + _config.Notify.Commands.Count == 0 ? null : await _audit.HeadAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The escalation matters more than the anchor it carries: it goes out without one.
        }

        await new Notifier(_config.Notify, Http, _config.BaseDirectory, _time).SendAsync(notification with { AuditHead = head }, deadline, cancellationToken);
    }

    public Task<TargetState> UnfreezeAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        AuditedAsync("unfreeze", target, who, reason, async _ =>
        {
            var config = _config.Target(target);
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new BadInputException("unfreezing needs a reason (--reason \"...\"): the incident's decision goes into the audit");
            }

            Authorize(who, Permissions.Unfreeze);

            await using var targetLock = await LockAsync(config.Name, "unfreeze", who, cancellationToken);
            var state = await _store.GetTargetStateAsync(config.Name, cancellationToken);
            if (state.State != TrainState.Frozen)
            {
                throw new RefusedException("not-frozen", $"target {config.Name} is not frozen ({state.StateName})");
            }

            var offTrain = new TargetState(config.Name, TrainState.OffTrain, $"unfrozen: {reason} (was frozen: {state.Reason})", who, _time.GetUtcNow(), state.Deployment);
            await targetLock.WriteFencedAsync(h => _store.SaveAsync(null, offTrain, h, cancellationToken));
            return offTrain;
        }, cancellationToken);

    internal static void CheckRollbackAllowed(TargetConfig target, TargetState state)
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
}
