using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Rewind.Core.Inverse;
using Rewind.Core.Targets;
using Rewind.Core.Verification;

namespace Rewind.Core.Deployments;

public sealed partial class RewindEngine
{
    /// <summary>
    /// Deploys a bundle to one target: lock, check the hold, run the before-hooks, store the bundle, then in one
    /// target transaction capture the inverse while applying, publish the inverse durably and write the
    /// deployment marker; the transaction commits only after the inverse is on disk. Then the after-hooks and
    /// the checks: pass → verified; fail → rolled back automatically; inconclusive → left for an operator.
    /// </summary>
    public Task<DeployResult> DeployAsync(DeployRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        AuditedAsync("deploy", request.Target, request.Who, request.Reason, scope => DeployCoreAsync(request, scope, progress, cancellationToken), cancellationToken);

    private async Task<DeployResult> DeployCoreAsync(DeployRequest request, AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
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

        var deployments = await _store.GetDeploymentsAsync(target.Name, cancellationToken);
        scope.FromVersion = VersionOf(deployments);
        if (deployments.FirstOrDefault(d => d.IsApplied) is { } newest && newest.BundleDigest == bundle.Digest)
        {
            // Deploying what the target already runs (a re-run after a crash, say) has the effect of once:
            // a deployment left unverified is verified now, a verified one is left alone.
            scope.Deployment = newest.Id;
            scope.ToVersion = scope.FromVersion;
            scope.Detail = "already applied";
            var nothing = new ApplySummary(0, 0, [], [], []);
            return newest.Status == DeploymentStatus.Applied
                ? await VerifyDeploymentAsync(target, newest, nothing, scope, progress, cancellationToken) with { AlreadyApplied = true }
                : new DeployResult(newest, nothing, VerificationResult.From(newest.Checks), AlreadyApplied: true);
        }

        var environment = HookEnvironment(target, "deploy", null, bundle.Manifest.Id);
        var before = await RunHooksAsync("beforeDeploy", target.Hooks.BeforeDeploy, target, environment, cancellationToken);
        if (before.FirstOrDefault(h => !h.Succeeded) is { } failedHook)
        {
            throw new OperationFailedException($"beforeDeploy hook '{failedHook.Command}' failed ({Describe(failedHook)}); nothing was changed. Output: {failedHook.Output}");
        }

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
            AutoRollback = request.AutoRollback,
            Hooks = before,
        };
        scope.Deployment = deployment.Id;
        scope.ToVersion = $"{deployment.BundleId} ({deployment.Id})";

        // Recorded before the target changes: if this process dies mid-apply, the next operation finds the
        // entry and settles it from the target's marker.
        await _store.InsertDeploymentAsync(deployment, cancellationToken);
        var summary = await ApplyForwardAsync(target, bundle, deployment, progress, cancellationToken);
        deployment = deployment with { Status = DeploymentStatus.Applied, InverseDigest = summary.InverseDigest };
        await _store.UpdateDeploymentAsync(deployment, CancellationToken.None);

        return await VerifyDeploymentAsync(target, deployment, summary.Apply, scope, progress, cancellationToken);
    }

    /// <summary>
    /// After-hooks and checks for an applied deployment: pass → verified; fail → rolled back automatically
    /// (unless the deploy said <c>--no-auto-rollback</c>); inconclusive → left applied for an operator to decide.
    /// </summary>
    private async Task<DeployResult> VerifyDeploymentAsync(TargetConfig target, Deployment deployment, ApplySummary summary, AuditScope scope, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var environment = HookEnvironment(target, "deploy", deployment.Id, deployment.BundleId);
        var after = await RunHooksAsync("afterDeploy", target.Hooks.AfterDeploy, target, environment, cancellationToken);
        var verification = await VerifyAsync(target, environment, cancellationToken);
        if (after.FirstOrDefault(h => !h.Succeeded) is { } afterFailure)
        {
            // A failing after-hook means the target is not known to be healthy: it counts as a failed check.
            verification = VerificationResult.From([.. verification.Checks, new CheckResult($"afterDeploy hook: {afterFailure.Command}", CheckOutcome.Failed, Describe(afterFailure), afterFailure.Seconds)]);
        }

        deployment = deployment with
        {
            Status = verification.Outcome == VerificationOutcome.Passed ? DeploymentStatus.Verified : DeploymentStatus.Applied,
            FinishedAt = _time.GetUtcNow(),
            Checks = verification.Checks,
            Hooks = [.. deployment.Hooks, .. after],
        };
        await _store.UpdateDeploymentAsync(deployment, CancellationToken.None);
        if (verification.Outcome == VerificationOutcome.Passed)
        {
            return new DeployResult(deployment, summary, verification);
        }

        scope.Failed = true;
        scope.Detail = $"verification {verification.Outcome.ToString().ToLowerInvariant()}: {verification.Summary}";
        if (verification.Outcome == VerificationOutcome.Failed && deployment.AutoRollback)
        {
            var reason = $"verification failed after deploy: {verification.Summary}";
            var rollback = await AuditedAsync("auto-rollback", target.Name, AutomaticActor, reason,
                s => RollbackLockedAsync(target, deployment, AutomaticActor, reason, automatic: true, s, progress, cancellationToken),
                cancellationToken);
            return new DeployResult(rollback.Deployment, summary, verification, rollback);
        }

        return new DeployResult(deployment, summary, verification);
    }

    /// <summary>The identity Rewind acts under when it rolls back on its own.</summary>
    public const string AutomaticActor = "rewind (automatic)";

    private async Task<(ApplySummary Apply, string InverseDigest)> ApplyForwardAsync(TargetConfig target, Bundles.Bundle bundle, Deployment deployment, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var writer = _artifacts.CreateWriter();
        var published = false;
        try
        {
            await using var targetStore = _targets.Open(target);
            await using var session = await targetStore.BeginAsync(cancellationToken);
            var summary = await _applier.ApplyAsync(bundle, session, new InverseCapture(writer), deployment.Id, progress, cancellationToken);
            var inverseDigest = await _artifacts.PublishAsync(writer, InverseCapture.ManifestFor(bundle.Manifest), cancellationToken);
            published = true;
            await session.WriteMarkerAsync(new DeploymentMarker(deployment.Id, deployment.BundleId, deployment.BundleDigest, inverseDigest, _time.GetUtcNow(), null), cancellationToken);
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
                await _store.DeleteDeploymentAsync(deployment.Id, CancellationToken.None);
                throw;
            }

            await _store.UpdateDeploymentAsync(deployment with { Status = DeploymentStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = e.Message }, CancellationToken.None);
            throw e as RewindException ?? new OperationFailedException($"deploy of {bundle.Manifest.Id} to {target.Name} failed and was not applied; the target is unchanged. Cause: {e.Message}", e);
        }
    }

    private async Task<VerificationResult> VerifyAsync(TargetConfig target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (target.Checks.Count == 0)
        {
            return VerificationResult.From([]);
        }

        await using var targetStore = _targets.Open(target);
        return await new Verifier(Http, _config.BaseDirectory).VerifyAsync(target.Checks, targetStore, environment, cancellationToken);
    }

    private async Task<IReadOnlyList<HookResult>> RunHooksAsync(string hook, IReadOnlyList<string> commands, TargetConfig target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var results = new List<HookResult>();
        foreach (var command in commands)
        {
            var outcome = await ShellCommand.RunAsync(command, _config.BaseDirectory, environment, target.Hooks.Timeout, cancellationToken);
            results.Add(new HookResult(hook, command, outcome.ExitCode, outcome.TimedOut, outcome.Output, outcome.Duration.TotalSeconds));
            if (!outcome.Succeeded)
            {
                break;
            }
        }

        return results;
    }

    private static Dictionary<string, string> HookEnvironment(TargetConfig target, string operation, string? deployment, string? bundle) => new()
    {
        ["REWIND_TARGET"] = target.Name,
        ["REWIND_OPERATION"] = operation,
        ["REWIND_DEPLOYMENT"] = deployment ?? "",
        ["REWIND_BUNDLE"] = bundle ?? "",
    };

    private static string Describe(HookResult hook) => hook.TimedOut ? "timed out" : hook.ExitCode is null ? "could not start" : $"exit {hook.ExitCode}";
}
