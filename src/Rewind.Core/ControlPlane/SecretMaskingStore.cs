using Rewind.Core.Secrets;
using Rewind.Core.Ledger;

namespace Rewind.Core.ControlPlane;

/// <summary>
/// The ledger as the engine writes it: every text that can quote an exception or a command's output (errors,
/// journal details, check and hook output and commands) is masked by <see cref="SecretMask.Apply"/> on the way in,
/// so no reader of the ledger (history, --json, the dashboard) can show a password; reasons, which people wrote,
/// are stored as given but for the known secret values (<see cref="SecretMask.Values"/>).
/// </summary>
internal sealed class SecretMaskingStore(IControlPlaneStore inner) : IControlPlaneStore
{
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => inner.EnsureCreatedAsync(cancellationToken);

    public Task<string> NextDeploymentIdAsync(CancellationToken cancellationToken = default) => inner.NextDeploymentIdAsync(cancellationToken);

    public Task<bool> InsertDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default) => inner.InsertDeploymentAsync(Masked(deployment), heldLock, cancellationToken);

    public Task<bool> UpdateDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default) => inner.UpdateDeploymentAsync(Masked(deployment), heldLock, cancellationToken);

    public Task<bool> DeleteDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default) => inner.DeleteDeploymentAsync(deployment, heldLock, cancellationToken);

    public Task<IReadOnlyList<Deployment>> GetDeploymentsAsync(string target, CancellationToken cancellationToken = default) => inner.GetDeploymentsAsync(target, cancellationToken);

    public Task<TargetState> GetTargetStateAsync(string target, CancellationToken cancellationToken = default) => inner.GetTargetStateAsync(target, cancellationToken);

    public Task<bool> SaveAsync(Deployment? deployment, TargetState state, LockHolder? heldLock, CancellationToken cancellationToken = default) =>
        inner.SaveAsync(deployment is null ? null : Masked(deployment), state with { Reason = SecretMask.Values(state.Reason) }, heldLock, cancellationToken);

    public Task<LockHolder?> TryAcquireLockAsync(LockHolder wanted, Func<LockHolder, bool> isStale, CancellationToken cancellationToken = default) => inner.TryAcquireLockAsync(wanted, isStale, cancellationToken);

    public Task<bool> RenewLockAsync(string target, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) => inner.RenewLockAsync(target, token, expiresAt, cancellationToken);

    public Task ReleaseLockAsync(string target, string token, CancellationToken cancellationToken = default) => inner.ReleaseLockAsync(target, token, cancellationToken);

    public Task<LockHolder?> GetLockAsync(string target, CancellationToken cancellationToken = default) => inner.GetLockAsync(target, cancellationToken);

    public Task<Train.TrainEntry?> BoardTrainAsync(string group, string bundleId, string bundleDigest, string who, DateTimeOffset at, LockHolder? heldLock, CancellationToken cancellationToken = default) =>
        inner.BoardTrainAsync(group, bundleId, bundleDigest, who, at, heldLock, cancellationToken);

    public Task<bool?> LeaveTrainAsync(string group, string bundleDigest, LockHolder? heldLock, CancellationToken cancellationToken = default) =>
        inner.LeaveTrainAsync(group, bundleDigest, heldLock, cancellationToken);

    public Task<IReadOnlyList<Train.TrainEntry>> GetTrainAsync(string group, CancellationToken cancellationToken = default) => inner.GetTrainAsync(group, cancellationToken);

    public Task<IReadOnlyList<string>> GetLedgerTargetsAsync(CancellationToken cancellationToken = default) => inner.GetLedgerTargetsAsync(cancellationToken);

    public Task<string?> GetConfigSeenAsync(CancellationToken cancellationToken = default) => inner.GetConfigSeenAsync(cancellationToken);

    public Task<bool> SwapConfigSeenAsync(string? expected, string next, CancellationToken cancellationToken = default) => inner.SwapConfigSeenAsync(expected, next, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static Deployment Masked(Deployment d) => d with
    {
        Error = SecretMask.Apply(d.Error),
        Reason = SecretMask.Values(d.Reason),
        RollbackReason = SecretMask.Values(d.RollbackReason),
        Steps = [.. d.Steps.Select(s => s with { Detail = SecretMask.Apply(s.Detail) })],
        Checks = [.. d.Checks.Select(c => c with { Detail = SecretMask.Apply(c.Detail)! })],
        RollbackChecks = [.. d.RollbackChecks.Select(c => c with { Detail = SecretMask.Apply(c.Detail)! })],
        Hooks = [.. d.Hooks.Select(h => h with { Output = SecretMask.Apply(h.Output)!, Command = SecretMask.Apply(h.Command)! })],
    };
}
