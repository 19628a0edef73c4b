using Microsoft.Extensions.Logging;
using Rewind.Core.Access;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.ControlPlane;
using Rewind.Core.Ledger;
using Rewind.Core.Locks;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

/// <summary>What every use case of the engine works with: the stores, the clock, the logs and the one applier.</summary>
internal sealed record EngineParts(RewindConfig Config, IControlPlaneStore Store, IAuditLog Audit, ITargetStoreFactory Targets, ArtifactStore Artifacts, TimeProvider Time, ILoggerFactory Logging, IAuthorizer Authorizer)
{
    public BundleApplier Applier { get; } = new(Config.Layers);
}

/// <summary>
/// The base of the engine's use cases (deploy, rollback, recovery, group rollout…): the parts they share and the
/// steps every operation takes the same way — open and stage a bundle, take the target's lock, check a role,
/// audit the outcome. A use case reaches the others through <see cref="Uses"/>.
/// </summary>
internal abstract class EngineUseCase(EngineParts parts, EngineUseCases uses)
{
    protected readonly RewindConfig _config = parts.Config;
    protected readonly IControlPlaneStore _store = parts.Store;
    protected readonly ITargetStoreFactory _targets = parts.Targets;
    protected readonly ArtifactStore _artifacts = parts.Artifacts;
    protected readonly TimeProvider _time = parts.Time;
    protected readonly BundleApplier _applier = parts.Applier;
    protected readonly IAuditLog _audit = parts.Audit;
    protected readonly ILoggerFactory _logging = parts.Logging;
    protected readonly ILogger _log = parts.Logging.CreateLogger("Rewind.Engine");
    private readonly IAuthorizer _authorizer = parts.Authorizer;

    protected EngineUseCases Uses { get; } = uses;

    /// <summary>For http checks and webhooks; per-request deadlines come from each check's timeout.</summary>
    protected static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Opens and validates a bundle within the configured limits, including that its layers are ones this configuration knows.</summary>
    public async Task<Bundle> OpenBundleAsync(string path, CancellationToken cancellationToken = default) =>
        KnownLayersOnly(await _artifacts.OpenPathAsync(path, _config.Limits, cancellationToken));

    /// <summary>
    /// Like <see cref="OpenBundleAsync"/>, reading the caller's files once into the artifact store's staging area:
    /// what a deploy stores and applies is that copy, never the caller's files again.
    /// </summary>
    protected async Task<Bundle> StageBundleAsync(string path, CancellationToken cancellationToken) =>
        KnownLayersOnly(await _artifacts.StageAsync(path, _config.Limits, cancellationToken));

    protected Bundle KnownLayersOnly(Bundle bundle)
    {
        var unknown = bundle.RecordFiles.FirstOrDefault(f => !_config.Layers.Contains(f.Layer, StringComparer.Ordinal));
        if (unknown is not null)
        {
            bundle.Dispose();
            throw new BundleInvalidException(unknown.Path, 0, $"unknown layer '{unknown.Layer}': the layers are {string.Join(", ", _config.Layers)}");
        }

        return bundle;
    }

    /// <summary>
    /// The one authorization point: refuses (<c>not-authorized</c>) unless <paramref name="who"/> holds what
    /// <paramref name="permission"/> takes. Called inside the operation's audit, so a refusal is audited. Rewind
    /// acting on its own (an automatic rollback) is a step of the operation that caused it, authorized there
    /// (the request's <c>Authorized</c>): a caller's name, which anyone may choose, never is.
    /// </summary>
    protected void Authorize(string who, Permission permission)
    {
        if (!Allows(who, permission))
        {
            throw NotAuthorized(who, permission);
        }
    }

    protected bool Allows(string who, Permission permission) => _authorizer.Holds(who, permission.Role);

    protected static RefusedException NotAuthorized(string who, Permission permission) =>
        new("not-authorized", $"{who} may not {permission.Action}: it takes the {permission.Role} role{(permission.Role == AccessRoles.Admin ? "" : " (or admin)")}, and {RewindConfig.FileName}'s roles: do not give it; nothing was changed");

    protected Task<TargetLock> LockAsync(string target, string operation, string who, CancellationToken cancellationToken) =>
        TargetLock.AcquireAsync(_store, _time, _config.Locks, target, operation, who, cancellationToken);

    /// <summary>
    /// The lock of an operation that writes the target: taken in the ledger, then claimed in the target itself
    /// before anything is read, so a holder whose lock was broken can no longer commit there. A target database
    /// that does not exist yet has nothing to fence, and only a deploy (<paramref name="createsTarget"/>) may make
    /// it: a rollback refused on a mistyped path must not leave an empty database behind.
    /// </summary>
    protected async Task<TargetLock> LockTargetAsync(TargetConfig target, string operation, string who, CancellationToken cancellationToken, bool createsTarget = false)
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

    protected static TargetState OffTrain(string target, Deployment deployment, string who, DateTimeOffset since) =>
        new(target, TrainState.OffTrain, $"rolled back {deployment.Id} ({deployment.BundleId})", who, since, deployment.Id);

    protected static RefusedException HeldRefusal(TargetState state, string operation) => state.State switch
    {
        TrainState.Frozen => new RefusedException("frozen", $"target {state.Target} is frozen since {state.Since:yyyy-MM-dd HH:mm}Z: {state.Reason}. No {operation} is applied to a frozen target; after the incident is handled, record the decision with: rewind unfreeze --target {state.Target} --reason \"...\""),
        TrainState.Diverged => new RefusedException("diverged", $"target {state.Target} is diverged from its group since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason}, by {state.Who}). It takes deploys outside the train (--outside-train --reason) or a realignment until a train-admin clears it: rewind realign --target {state.Target}"),
        _ => new RefusedException("off-train", $"target {state.Target} is off the train since {state.Since:yyyy-MM-dd HH:mm}Z ({state.Reason}, by {state.Who}). No deployment lands until a person clears it: rewind clear --target {state.Target} --reason \"...\""),
    };

    /// <summary>
    /// Runs an operation and appends its audit entry: succeeded, failed, or refused by a rule. Bad input is
    /// not audited: it changes nothing, the ledger included.
    /// </summary>
    protected async Task<T> AuditedAsync<T>(string operation, string? target, string who, string? reason, Func<AuditScope, Task<T>> body, CancellationToken cancellationToken)
    {
        var scope = new AuditScope();
        var started = _time.GetUtcNow();
        // The operation's span: its audit outcome is its outcome, and the steps the journal records are its children.
        using var span = Observability.RewindTracing.Operation(operation, target);
        string outcome;
        try
        {
            var result = await body(scope);
            outcome = scope.Failed ? "failed" : "succeeded";
            Observability.RewindTracing.Outcome(span, outcome, scope.Failed ? scope.Detail : null);
            await AppendAuditAsync(operation, target, who, reason, scope, started, outcome);
            return result;
        }
        catch (BadInputException e)
        {
            // Every refusal is audited (invariant 8), bad input too; it changed nothing else.
            scope.Detail = e.Message;
            Observability.RewindTracing.Outcome(span, "refused:bad-input");
            await AppendAuditAsync(operation, target, who, reason, scope, started, "refused:bad-input");
            throw;
        }
        catch (RefusedException e)
        {
            scope.Detail = e.Message;
            Observability.RewindTracing.Outcome(span, $"refused:{e.Rule}");
            _log.LogInformation("{Operation} of {Target} refused ({Rule}): {Detail}", operation, target, e.Rule, Secrets.SecretMask.Message(e));
            await AppendAuditAsync(operation, target, who, reason, scope, started, $"refused:{e.Rule}");
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            scope.Detail ??= e.Message;
            Observability.RewindTracing.Outcome(span, "failed", e.Message);
            _log.LogError(e, "{Operation} of {Target} failed: {Detail}", operation, target, Secrets.SecretMask.Message(e));
            await AppendAuditAsync(operation, target, who, reason, scope, started, "failed");
            throw;
        }

        async Task AppendAuditAsync(string op, string? t, string w, string? r, AuditScope s, DateTimeOffset start, string result) =>
            await _audit.AppendAsync(new AuditEntry
            {
                At = _time.GetUtcNow(),
                Who = w,
                Operation = op,
                Target = t,
                Deployment = s.Deployment,
                Reason = Secrets.SecretMask.Values(r),
                FromVersion = s.FromVersion,
                ToVersion = s.ToVersion,
                StartedAt = start,
                EndedAt = _time.GetUtcNow(),
                Outcome = result,
                Detail = Secrets.SecretMask.Apply(s.Detail),
                OverBudget = s.OverBudget,
            }, CancellationToken.None);
    }

    /// <summary>The version a target runs, as the audit names it: its newest applied bundle, or none.</summary>
    protected static string VersionOf(IEnumerable<Deployment> deployments, string? except = null) =>
        deployments.FirstOrDefault(d => d.IsApplied && d.Id != except) is { } d ? $"{d.BundleId} ({d.Id})" : "(no deployment)";
}
