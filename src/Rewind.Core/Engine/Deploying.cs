using Rewind.Core.Access;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Rewind.Core.Inverse;
using Rewind.Core.Locks;
using Rewind.Core.Targets;
using Rewind.Core.Verification;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

internal sealed class Deploying(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public Task<DeployResult> DeployAsync(DeployRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        AuditedAsync("deploy", request.Target, request.Who, request.Reason, scope => DeployCoreAsync(request, scope, progress, cancellationToken), cancellationToken);

    private async Task<DeployResult> DeployCoreAsync(DeployRequest request, AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var target = _config.Target(request.Target);
        if (!request.AutoRollback && string.IsNullOrWhiteSpace(request.Reason))
        {
            // Seed 001 §3: delaying a rollback must be justified, and the audit keeps why.
            throw new BadInputException("--no-auto-rollback needs --reason \"...\": leaving a deployment that fails its checks applied must be justified; nothing was changed");
        }

        Bundles.Bundle.RequireExists(request.BundlePath);
        if (!request.Authorized)
        {
            Authorize(request.Who, Permissions.Deploy);
        }

        TrainRule.RequireThroughTrain(_config, request);
        if (request.Group is null)
        {
            // A group rollout checked every member's window before it started: one that closes while it runs (during a
            // soak) does not turn a member into a stage failure that rolls its stage back.
            Uses.DeployWindows.RequireOpenWindow(_config.WindowOf(target.Name), $"target {target.Name}", request.OutsideWindow, request.Reason, scope);
        }
        using var bundle = await StageBundleAsync(request.BundlePath, cancellationToken);
        await using var targetLock = await LockTargetAsync(target, "deploy", request.Who, cancellationToken, createsTarget: true);
        await Uses.Recovering.RecoverAsync(target, targetLock, cancellationToken);

        var state = await _store.GetTargetStateAsync(target.Name, cancellationToken);
        // A realignment step is how an off-train target gets back: it may land while the hold stands (the hold
        // itself stays until a train-admin clears it). Nothing lands on a frozen target.
        // A diverged member takes realignment steps and further deploys outside the train, nothing else.
        if (state.State != TrainState.OnTrain && !(request.Realign && state.State is TrainState.OffTrain or TrainState.Diverged) && !(request.OutsideTrain && state.State == TrainState.Diverged))
        {
            throw HeldRefusal(state, "deployment");
        }

        var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
        scope.FromVersion = VersionOf(deployments);
        if (deployments.FirstOrDefault(d => d.IsApplied) is { } newest && newest.BundleDigest == bundle.Digest)
        {
            // Deploying what the target already runs (a re-run after a crash, say) has the effect of once:
            // a deployment left unverified is verified now, a verified one is left alone.
            scope.Deployment = newest.Id;
            scope.ToVersion = scope.FromVersion;
            scope.AddDetail("already applied");
            var nothing = new ApplySummary(0, 0, [], [], []);
            return newest.Status == DeploymentStatus.Applied
                ? await VerifyDeploymentAsync(target, targetLock, new DeploymentLifecycle(_store, _time, targetLock, newest, _logging), nothing, scope, progress, cancellationToken) with { AlreadyApplied = true }
                : new DeployResult(newest, nothing, VerificationResult.From(newest.Checks), AlreadyApplied: true);
        }

        await new WritableTables(_config.Layers, _targets).RefuseUnwritableAsync(target, bundle, cancellationToken);
        var code = request.IncludeCode ? await Uses.CodeSlots.PlanCodeAsync(target, bundle, deployments, cancellationToken) : [];
        Uses.CodeSlots.AcceptIrreversible(target, code, request, scope);
        var environment = HookEnvironment(target, "deploy", null, bundle.Manifest.Id);
        var before = await targetLock.RunWhileHeldAsync(t => RunHooksAsync("beforeDeploy", target.Hooks.BeforeDeploy, target, environment, t), cancellationToken);
        if (before.FirstOrDefault(h => !h.Succeeded) is { } failedHook)
        {
            throw new OperationFailedException($"beforeDeploy hook '{failedHook.Command}' failed ({Describe(failedHook)}); nothing was changed. Output: {failedHook.Output}");
        }

        // A hook that hangs is the usual reason a lock gets broken: stop here, before the deployment is recorded.
        await targetLock.EnsureHeldAsync(cancellationToken);
        var priorFingerprint = await Uses.TrainQueries.PriorFingerprintAsync(target, bundle, cancellationToken);
        await _artifacts.StoreAsync(bundle, cancellationToken);
        var now = _time.GetUtcNow();
        var deployment = DeploymentLifecycle.Recorded(new Deployment
        {
            Id = await _store.NextDeploymentIdAsync(cancellationToken),
            Target = target.Name,
            BundleId = bundle.Manifest.Id,
            BundleDigest = bundle.Digest,
            Kind = bundle.Manifest.Kind,
            Who = request.Who,
            Reason = request.Reason,
            Records = bundle.RecordCount,
            Rows = bundle.RowCount,
            RowChanges = bundle.RowChangeCount,
            AutoRollback = request.AutoRollback,
            Hooks = before,
            Code = code,
            Group = request.Group,
            Stage = request.Stage,
            Realign = request.Realign,
            PriorFingerprint = priorFingerprint,
        }, targetLock, now);
        scope.Deployment = deployment.Id;
        scope.ToVersion = $"{deployment.BundleId} ({deployment.Id})";
        scope.AddDetail(CodeSlots.UnknownPriorWarning(code));
        var outside = request.OutsideTrain ? _config.GroupOf(target.Name)!.Name : null;
        if (outside is not null)
        {
            scope.Detail = $"outside group {outside}'s train (--outside-train): {target.Name} is now diverged" + (scope.Detail is null ? "" : $"; {scope.Detail}");
        }

        // Recorded before the target changes: if this process dies mid-apply, the next operation finds the
        // entry and settles it from the target's marker.
        await targetLock.WriteFencedAsync(h => _store.InsertDeploymentAsync(deployment, h, cancellationToken));

        var journal = new DeploymentLifecycle(_store, _time, targetLock, deployment, _logging);
        (ApplySummary Apply, string InverseDigest) summary;
        try
        {
            summary = await journal.StepAsync("capture and apply metadata", () => ApplyForwardAsync(target, targetLock, bundle, journal.Deployment, progress, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is not BadInputException)
        {
            // Through the journal, so its image (which recorded the failed step) and the ledger agree: failed, unchanged.
            await journal.FailedAsync(e.Message, e);
            throw;
        }

        // Diverged in the same write that records the bundle as applied: no moment when it runs it unmarked.
        await journal.AppliedAsync(summary.InverseDigest, outside is null ? null : TrainRule.Diverged(outside, journal.Deployment, _time.GetUtcNow()));
        var baselines = await Uses.BusinessTables.MeasureBusinessTablesAsync(target, cancellationToken);
        await journal.UpdateAsync(d => d with { BusinessBaselines = baselines }, CancellationToken.None);
        return await VerifyDeploymentAsync(target, targetLock, journal, summary.Apply, scope, progress, cancellationToken) with { Warning = CodeSlots.UnknownPriorWarning(code) };
    }

    /// <summary>
    /// The rest of a deploy once its metadata is applied: switch the code slots, after-hooks and checks. Pass →
    /// verified; fail → rolled back automatically (unless <c>--no-auto-rollback</c>); inconclusive → left applied.
    /// </summary>
    internal async Task<DeployResult> VerifyDeploymentAsync(TargetConfig target, TargetLock held, DeploymentLifecycle journal, ApplySummary summary, AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var environment = HookEnvironment(target, "deploy", journal.Deployment.Id, journal.Deployment.BundleId);
        VerificationResult verification;
        try
        {
            await Uses.CodeSlots.SwitchSlotsAsync(target, journal, back: false, cancellationToken);
            var after = await held.RunWhileHeldAsync(t => RunHooksAsync("afterDeploy", target.Hooks.AfterDeploy, target, environment, t), cancellationToken);
            await journal.HooksRanAsync(after);
            verification = await journal.StepAsync("verify", () => held.RunWhileHeldAsync(t => VerifyAsync(target, environment, t), cancellationToken), cancellationToken);
            if (after.FirstOrDefault(h => !h.Succeeded) is { } afterFailure)
            {
                // A failing after-hook means the target is not known to be healthy: it counts as a failed check.
                verification = VerificationResult.From([.. verification.Checks, new CheckResult($"afterDeploy hook: {afterFailure.Command}", CheckOutcome.Failed, Describe(afterFailure), afterFailure.Seconds)]);
            }
        }
        catch (OperationFailedException e)
        {
            // A slot that would not switch leaves the release half on: treat it as a failed verification.
            verification = VerificationResult.From([new CheckResult("switch code slots", CheckOutcome.Failed, e.Message, 0)]);
        }

        var passed = verification.Outcome == VerificationOutcome.Passed;
        await (passed
            ? journal.VerifiedAsync(verification.Checks)
            : journal.UnverifiedAsync(verification.Checks, $"verification {verification.Outcome.ToString().ToLowerInvariant()}: {verification.Summary}"));
        var deployment = journal.Deployment;
        if (passed)
        {
            return new DeployResult(deployment, summary, verification);
        }

        scope.Failed = true;
        scope.AddDetail(deployment.Error);
        if (verification.Outcome == VerificationOutcome.Failed && deployment.AutoRollback && deployment.CanRollBackCode)
        {
            var reason = $"verification failed after deploy: {verification.Summary}";
            var rollback = await AuditedAsync("auto-rollback", target.Name, RewindEngine.AutomaticActor, reason,
                s => Uses.RollingBack.RollbackLockedAsync(target, held, deployment, RewindEngine.AutomaticActor, reason, automatic: true, s, progress, cancellationToken),
                cancellationToken);
            return new DeployResult(rollback.Deployment, summary, verification, rollback);
        }

        return new DeployResult(deployment, summary, verification);
    }

    private async Task<(ApplySummary Apply, string InverseDigest)> ApplyForwardAsync(TargetConfig target, TargetLock held, Bundles.Bundle bundle, Deployment deployment, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var writer = _artifacts.CreateWriter();
        var published = false;
        try
        {
            await using var targetStore = _targets.Open(target);
            await using var session = await targetStore.BeginAsync(cancellationToken);
            var summary = await _applier.ApplyAsync(bundle, session, new InverseCapture(writer), deployment.Id, progress, cancellationToken, platformTables: target.PlatformTables);
            var inverseDigest = await _artifacts.PublishAsync(writer, InverseCapture.ManifestFor(bundle.Manifest), cancellationToken);
            published = true;
            await session.WriteMarkerAsync(new DeploymentMarker(deployment.Id, deployment.BundleId, deployment.BundleDigest, inverseDigest, _time.GetUtcNow(), null), cancellationToken);
            await held.EnsureHeldAsync(session, cancellationToken);
            await session.CommitAsync(cancellationToken);
            return (summary, inverseDigest);
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
                // Fenced: if the lock was broken meanwhile, the entry is the successor's to settle (as failed).
                await _store.DeleteDeploymentAsync(deployment, held.Holder, CancellationToken.None);
                throw;
            }

            throw e as RewindException ?? new OperationFailedException($"deploy of {bundle.Manifest.Id} to {target.Name} failed and was not applied; the target is unchanged. Cause: {e.Message}", e);
        }
    }

    internal async Task<VerificationResult> VerifyAsync(TargetConfig target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (target.Checks.Count == 0)
        {
            return VerificationResult.From([]);
        }

        await using var targetStore = _targets.Open(target);
        return await new Verifier(Http, _config.BaseDirectory, _time).VerifyAsync(target.Checks, targetStore, environment, cancellationToken);
    }

    internal async Task<IReadOnlyList<HookResult>> RunHooksAsync(string hook, IReadOnlyList<string> commands, TargetConfig target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var results = new List<HookResult>();
        foreach (var command in commands)
        {
            // The span names the hook, never its command line: a command may carry a secret.
            using var span = Observability.RewindTracing.Step($"{hook} hook", target: target.Name);
            var start = _time.GetTimestamp();
            var outcome = await ShellCommand.RunAsync(command, _config.BaseDirectory, environment, target.Hooks.Timeout, cancellationToken);
            results.Add(new HookResult(hook, command, outcome.ExitCode, outcome.TimedOut, outcome.Output, _time.GetElapsedTime(start).TotalSeconds));
            Observability.RewindTracing.Outcome(span, outcome.Succeeded ? "done" : outcome.TimedOut ? "timed-out" : "failed", outcome.Succeeded ? null : Describe(results[^1]));
            if (!outcome.Succeeded)
            {
                break;
            }
        }

        return results;
    }

    internal static Dictionary<string, string> HookEnvironment(TargetConfig target, string operation, string? deployment, string? bundle) => new()
    {
        ["REWIND_TARGET"] = target.Name,
        ["REWIND_OPERATION"] = operation,
        ["REWIND_DEPLOYMENT"] = deployment ?? "",
        ["REWIND_BUNDLE"] = bundle ?? "",
    };

    internal static string Describe(HookResult hook) => hook.TimedOut ? "timed out" : hook.ExitCode is null ? "could not start" : $"exit {hook.ExitCode}";
}
