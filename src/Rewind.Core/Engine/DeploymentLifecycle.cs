using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rewind.Core.Locks;
using Rewind.Core.Observability;
using Rewind.Core.Targets;
using Rewind.Core.Verification;
using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

/// <summary>
/// The one place a deployment's status changes. Holds the operation's image of the deployment, moves it through
/// named transitions (an illegal one throws: it would be a bug, never bad input), and writes each change to the
/// ledger fenced by the operation's lock, so once an admin has broken the lock nothing this operation writes
/// lands. Every step and every transition is appended to the deployment's journal before the next one starts, so
/// a re-run after a crash can see how far it got; recovery drives the same transitions from the target's marker.
/// Being the one place outcomes happen, it is also where they are counted (<see cref="RewindMetrics"/>), where each
/// step becomes a span (<see cref="RewindTracing"/>) and where steps are logged.
/// </summary>
/// <remarks>
/// <code>
///   (recorded) ─► applying ─┬─► failed
///                           └─► applied ─┬─► verified ─┐
///                                        ├─► applied   ├─► rolling-back ─┬─► rolled-back
///                                        └─────────────┘                 └─► verified | applied (restored)
///   (passed by) ─► skipped
/// </code>
/// </remarks>
internal sealed class DeploymentLifecycle
{
    private static readonly Dictionary<DeploymentStatus, DeploymentStatus[]> Legal = new()
    {
        [DeploymentStatus.Applying] = [DeploymentStatus.Applied, DeploymentStatus.Failed],
        [DeploymentStatus.Applied] = [DeploymentStatus.Verified, DeploymentStatus.Applied, DeploymentStatus.RollingBack],
        [DeploymentStatus.Verified] = [DeploymentStatus.RollingBack],
        [DeploymentStatus.RollingBack] = [DeploymentStatus.RolledBack, DeploymentStatus.Verified, DeploymentStatus.Applied],
        [DeploymentStatus.RolledBack] = [],
        [DeploymentStatus.Failed] = [],
        [DeploymentStatus.Skipped] = [],
    };

    private readonly ControlPlane.IControlPlaneStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private DeploymentStatus? _beforeRollback;

    public DeploymentLifecycle(ControlPlane.IControlPlaneStore store, TimeProvider time, TargetLock held, Deployment deployment, ILoggerFactory? logging = null)
    {
        _store = store;
        _time = time;
        _log = (logging ?? NullLoggerFactory.Instance).CreateLogger("Rewind.Journal");
        Lock = held;
        Deployment = deployment;
        RewindTracing.Identify(deployment);
    }

    /// <summary>The operation's current image of the deployment: what the ledger holds once each write returns.</summary>
    public Deployment Deployment { get; private set; }

    /// <summary>The lock the operation holds, which fences every write.</summary>
    public TargetLock Lock { get; }

    /// <summary>A new deployment, recorded before the target changes: applying, with the lock as its first step.</summary>
    public static Deployment Recorded(Deployment deployment, TargetLock held, DateTimeOffset now) =>
        deployment with
        {
            Status = DeploymentStatus.Applying,
            StartedAt = now,
            Steps = [new JournalStep("lock", "done", now, held.Holder.Describe()), .. HookSteps(deployment.Hooks, now)],
        };

    /// <summary>Records hooks that ran, in the journal too, so it shows them in order among the other steps.</summary>
    public Task HooksRanAsync(IReadOnlyList<HookResult> hooks)
    {
        foreach (var hook in hooks)
        {
            // The hook by its name and exit, not its command line or output: those are in the journal, masked.
            _log.Log(hook.Succeeded ? LogLevel.Information : LogLevel.Warning, "{Target} {Deployment}: {Hook} hook {State} in {Seconds:0.000}s", Deployment.Target, Deployment.Id, hook.Hook, hook.Succeeded ? "done" : "failed", hook.Seconds);
        }

        return UpdateAsync(d => d with { Hooks = [.. d.Hooks, .. hooks], Steps = [.. d.Steps, .. HookSteps(hooks, _time.GetUtcNow())] });
    }

    private static IEnumerable<JournalStep> HookSteps(IReadOnlyList<HookResult> hooks, DateTimeOffset at) =>
        hooks.Select(h => new JournalStep($"{h.Hook} hook", h.Succeeded ? "done" : "failed", at, h.Command));

    /// <summary>A target a group rollout passed by: never applied, and says why.</summary>
    public static Deployment Skipped(Deployment deployment, string why, DateTimeOffset now) =>
        deployment with { Status = DeploymentStatus.Skipped, StartedAt = now, FinishedAt = now, Error = why };

    /// <summary>The target's transaction committed the bundle and its inverse; a new target state (diverged), if any, is written with it.</summary>
    public async Task AppliedAsync(string inverseDigest, TargetState? state = null)
    {
        await MoveAsync(DeploymentStatus.Applied, d => d with { InverseDigest = inverseDigest }, state: state);
        RewindMetrics.RecordsApplied(Deployment, "deploy");
    }

    /// <summary>The deploy did not apply: the target is as it was.</summary>
    public async Task FailedAsync(string error, Exception? cause = null)
    {
        await MoveAsync(DeploymentStatus.Failed, d => d with { FinishedAt = _time.GetUtcNow(), Error = error }, cause);
        RewindMetrics.DeploymentFinished(Deployment, "failed");
    }

    /// <summary>
    /// Recovery of a deploy a crash interrupted, from the target's marker (written in the same transaction as
    /// the change): with a marker it applied, and stays unverified until verified; without one it never did.
    /// </summary>
    public async Task SettledFromMarkerAsync(DeploymentMarker? marker)
    {
        if (marker is null)
        {
            await MoveAsync(DeploymentStatus.Failed, d => d with { FinishedAt = _time.GetUtcNow(), Error = "interrupted before it applied; the target is unchanged" }, detail: FromMarker);
            RewindMetrics.DeploymentFinished(Deployment, "failed");
            return;
        }

        // Not an outcome yet: it is counted when it is verified (or not) later.
        await MoveAsync(DeploymentStatus.Applied, d => d with { InverseDigest = marker.InverseDigest, Error = "interrupted after it applied, before it was verified: deploy it again (or rewind recover) to verify it" }, detail: FromMarker);
    }

    private const string FromMarker = "settled from the target's marker";

    /// <summary>The checks after the deploy passed: the deployment is known-good.</summary>
    public async Task VerifiedAsync(IReadOnlyList<CheckResult> checks)
    {
        await MoveAsync(DeploymentStatus.Verified, d => d with { FinishedAt = _time.GetUtcNow(), Checks = checks, Error = null });
        RewindMetrics.DeploymentFinished(Deployment, "verified");
    }

    /// <summary>The checks after the deploy did not pass: it stays applied, never known-good, with why.</summary>
    public async Task UnverifiedAsync(IReadOnlyList<CheckResult> checks, string error)
    {
        await MoveAsync(DeploymentStatus.Applied, d => d with { FinishedAt = _time.GetUtcNow(), Checks = checks, Error = error });
        RewindMetrics.DeploymentFinished(Deployment, "unverified");
    }

    /// <summary>A rollback starts: who, why, when (and the group it goes back with) are recorded before the target changes.</summary>
    public Task RollingBackAsync(string who, string? reason, DateTimeOffset at, bool automatic, string? withGroup = null)
    {
        _beforeRollback = Deployment.Status;
        return MoveAsync(DeploymentStatus.RollingBack, d => d with { RolledBackBy = who, RollbackReason = reason, RolledBackAt = at, AutomaticRollback = automatic, RolledBackWithGroup = withGroup });
    }

    /// <summary>
    /// The rollback is over and the target's new state (off the train, or frozen) is written with it in one step:
    /// a crash between two writes would leave a rolled-back deployment on a target that is not held.
    /// </summary>
    public async Task RolledBackAsync(TargetState state, string? error = null, Exception? failing = null)
    {
        await MoveAsync(DeploymentStatus.RolledBack, d => d with { Error = error ?? d.Error }, failing, state);
        RewindMetrics.RecordsApplied(Deployment, "rollback");
        RewindMetrics.RollbackFinished(Deployment, state.State == TrainState.Frozen ? "frozen" : "rolled-back", RollbackElapsed());
    }

    /// <summary>What the budget is compared with: recorded when the rollback got that far, else measured from its start.</summary>
    private TimeSpan? RollbackElapsed() => Deployment.RollbackDuration ?? _time.GetUtcNow() - Deployment.RolledBackAt;

    /// <summary>
    /// A rollback that failed before its inverse committed: the deployment is on the target as it was before the
    /// rollback began (verified or applied), and the target's new state (frozen) is written with it.
    /// </summary>
    public async Task RollbackFailedAsync(TargetState state, string error, Exception failing)
    {
        var before = _beforeRollback ?? throw new InvalidOperationException($"deployment {Deployment.Id}: a rollback failed that never started");
        var elapsed = RollbackElapsed();
        await MoveAsync(before, d => d with { Error = error }, failing, state);
        RewindMetrics.RollbackFinished(Deployment, "failed", elapsed);
    }

    /// <summary>
    /// Recovery of a rollback a crash interrupted before its transaction committed (the marker says so): the
    /// deployment is still on the target, and a new rollback request runs it from the start.
    /// </summary>
    public Task RollbackNeverCommittedAsync() =>
        MoveAsync(
            Deployment.FinishedAt is not null && Deployment.Checks.All(c => c.Outcome == CheckOutcome.Passed) ? DeploymentStatus.Verified : DeploymentStatus.Applied,
            d => d with { RolledBackAt = null, RolledBackBy = null, RollbackReason = null, RolledBackWithGroup = null, Impact = null },
            detail: FromMarker);

    /// <summary>Changes what the deployment records, never its status (that takes a transition).</summary>
    public Task UpdateAsync(Func<Deployment, Deployment> change, CancellationToken cancellationToken = default, Exception? failing = null)
    {
        var next = change(Deployment);
        if (next.Status != Deployment.Status)
        {
            throw new InvalidOperationException($"deployment {Deployment.Id}: a status changes only through a named transition ({Deployment.Status.ToName()} -> {next.Status.ToName()})");
        }

        return WriteAsync(next, null, failing, cancellationToken);
    }

    public async Task<T> StepAsync<T>(string step, Func<Task<T>> run, CancellationToken cancellationToken)
    {
        using var span = RewindTracing.Step(step, Deployment);
        await AppendAsync(step, "started", null, cancellationToken);
        _log.LogInformation("{Target} {Deployment}: {Step} started", Deployment.Target, Deployment.Id, step);
        var start = _time.GetTimestamp();
        try
        {
            var result = await run();
            await AppendAsync(step, "done", null, CancellationToken.None);
            RewindTracing.Outcome(span, "done");
            _log.LogInformation("{Target} {Deployment}: {Step} done in {Seconds:0.000}s", Deployment.Target, Deployment.Id, step, _time.GetElapsedTime(start).TotalSeconds);
            return result;
        }
        catch (Exception e) when (e is not BadInputException)
        {
            // Bad input leaves no trace (its deployment entry is removed); anything else is journaled.
            RewindTracing.Outcome(span, "failed", e.Message);
            // The masked message only: an exception's own text (and stack) may carry what a secret-bearing command printed.
            _log.LogWarning("{Target} {Deployment}: {Step} failed: {Error}", Deployment.Target, Deployment.Id, step, Secrets.SecretMask.Message(e));
            await AppendAsync(step, "failed", e.Message, CancellationToken.None, failing: e);
            throw;
        }
    }

    public Task StepAsync(string step, Func<Task> run, CancellationToken cancellationToken) =>
        StepAsync(step, async () =>
        {
            await run();
            return true;
        }, cancellationToken);

    private Task MoveAsync(DeploymentStatus to, Func<Deployment, Deployment> change, Exception? failing = null, TargetState? state = null, string? detail = null)
    {
        var from = Deployment.Status;
        if (!Legal[from].Contains(to))
        {
            throw new InvalidOperationException($"deployment {Deployment.Id} cannot go from {from.ToName()} to {to.ToName()}");
        }

        var next = change(Deployment) with { Status = to };
        next = next with { Steps = [.. next.Steps, new JournalStep("status", to.ToName(), _time.GetUtcNow(), detail)] };
        Activity.Current?.AddEvent(new ActivityEvent($"status {to.ToName()}"));
        _log.LogInformation("{Target} {Deployment}: {From} -> {To}", Deployment.Target, Deployment.Id, from.ToName(), to.ToName());
        return WriteAsync(next, state, failing, CancellationToken.None);
    }

    private Task AppendAsync(string step, string state, string? detail, CancellationToken cancellationToken, Exception? failing = null) =>
        UpdateAsync(d => d with { Steps = [.. d.Steps, new JournalStep(step, state, _time.GetUtcNow(), detail)] }, cancellationToken, failing);

    private async Task WriteAsync(Deployment next, TargetState? state, Exception? failing, CancellationToken cancellationToken)
    {
        Deployment = next;
        await (state is null
            ? Lock.WriteFencedAsync(h => _store.UpdateDeploymentAsync(next, h, cancellationToken), failing)
            : Lock.WriteFencedAsync(h => _store.SaveAsync(next, state, h, cancellationToken), failing));
    }
}
