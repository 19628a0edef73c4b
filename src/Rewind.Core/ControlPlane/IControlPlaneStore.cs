using Rewind.Core.Ledger;

namespace Rewind.Core.ControlPlane;

/// <summary>
/// The ledger: deployments, target states and locks. Adapters (SQLite, PostgreSQL) implement it; several
/// Rewind processes may share one store, so every method is safe to call concurrently.
/// </summary>
public interface IControlPlaneStore : IAsyncDisposable
{
    Task EnsureCreatedAsync(CancellationToken cancellationToken = default);

    /// <summary>A new, unique, increasing deployment id.</summary>
    Task<string> NextDeploymentIdAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a new deployment. With <paramref name="heldLock"/> the write is fenced: it happens only while that
    /// lock is still held under the same token, atomically with the check, and false says it was not written.
    /// </summary>
    Task<bool> InsertDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default);

    /// <summary>Replaces a deployment's image; fenced by <paramref name="heldLock"/> like <see cref="InsertDeploymentAsync"/>.</summary>
    Task<bool> UpdateDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default);

    /// <summary>Removes a deployment that never applied; fenced by <paramref name="heldLock"/> like <see cref="InsertDeploymentAsync"/>.</summary>
    Task<bool> DeleteDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default);

    /// <summary>Every target the ledger holds deployments of, configured now or not.</summary>
    Task<IReadOnlyList<string>> GetLedgerTargetsAsync(CancellationToken cancellationToken = default);

    /// <summary>A target's deployments, newest first.</summary>
    Task<IReadOnlyList<Deployment>> GetDeploymentsAsync(string target, CancellationToken cancellationToken = default);

    Task<TargetState> GetTargetStateAsync(string target, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the deployment and the target's state together, in one transaction; fenced by
    /// <paramref name="heldLock"/> like <see cref="InsertDeploymentAsync"/>.
    /// </summary>
    Task<bool> SaveAsync(Deployment? deployment, TargetState state, LockHolder? heldLock, CancellationToken cancellationToken = default);

    /// <summary>Takes the target's lock, replacing a stale holder; returns null on success, else the live holder.</summary>
    Task<LockHolder?> TryAcquireLockAsync(LockHolder wanted, Func<LockHolder, bool> isStale, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease; false when the lock was broken and is no longer ours.</summary>
    Task<bool> RenewLockAsync(string target, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    Task ReleaseLockAsync(string target, string token, CancellationToken cancellationToken = default);

    Task<LockHolder?> GetLockAsync(string target, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts a bundle on a group's train at the next position, once per bundle digest (safe against concurrent
    /// callers); returns its entry, the existing one when the bundle was already aboard. Fenced by
    /// <paramref name="heldLock"/> (the group's lock) like <see cref="InsertDeploymentAsync"/>: null when it was not held.
    /// </summary>
    Task<Train.TrainEntry?> BoardTrainAsync(string group, string bundleId, string bundleDigest, string who, DateTimeOffset at, LockHolder? heldLock, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the bundle at the head of a group's train off it (a whole-group rollback): the head moves back one
    /// position. False when that bundle is not the head (nothing changes); fenced by <paramref name="heldLock"/>
    /// (the group's lock) like <see cref="InsertDeploymentAsync"/>: null when it was not held.
    /// </summary>
    Task<bool?> LeaveTrainAsync(string group, string bundleDigest, LockHolder? heldLock, CancellationToken cancellationToken = default);

    /// <summary>A group's train, in position order.</summary>
    Task<IReadOnlyList<Train.TrainEntry>> GetTrainAsync(string group, CancellationToken cancellationToken = default);

    /// <summary>The configuration the last operation ran under (an opaque document the engine writes), or null before the first.</summary>
    Task<string?> GetConfigSeenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the configuration last seen with <paramref name="next"/> only if it is still <paramref name="expected"/>
    /// (null: none yet), atomically: of several processes noticing one change, exactly one gets true.
    /// </summary>
    Task<bool> SwapConfigSeenAsync(string? expected, string next, CancellationToken cancellationToken = default);
}
