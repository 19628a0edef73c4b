using Rewind.Core.Ledger;
using Rewind.Core.Train;

namespace Rewind.Core.ControlPlane.Storage;

/// <summary>
/// The control-plane store over SQL, written once: documents, fenced writes, leases, boarding and the schema's
/// versions. An adapter derives from it and supplies a connection factory and its engine's statements only.
/// </summary>
public abstract class SqlControlPlaneStore(IStoreDatabase database, LedgerStatements sql, StoreSchemaStatements schema, TimeProvider clock) : IControlPlaneStore
{
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => StoreSchema.EnsureAsync(database, schema, clock, cancellationToken);

    public async Task<string> NextDeploymentIdAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var value = await connection.ScalarAsync(sql.NextDeploymentId, cancellationToken);
        return LedgerDocuments.DeploymentId(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<bool> InsertDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(sql.InsertDeployment, cancellationToken,
            [("id", deployment.Id), ("target", deployment.Target), ("document", LedgerDocuments.Write(deployment)), .. Fence(heldLock)]) == 1;
    }

    public async Task<bool> UpdateDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await UpdateAsync(connection, deployment, heldLock, cancellationToken);
    }

    public async Task<bool> DeleteDeploymentAsync(Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(sql.DeleteDeployment, cancellationToken, [("id", deployment.Id), .. Fence(heldLock)]) == 1;
    }

    public async Task<IReadOnlyList<string>> GetLedgerTargetsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryAsync(sql.SelectLedgerTargets, row => row.Text(0), cancellationToken);
    }

    public async Task<IReadOnlyList<Deployment>> GetDeploymentsAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryAsync(sql.SelectDeployments, row => LedgerDocuments.ReadDeployment(row.Text(0)), cancellationToken, ("target", target));
    }

    public async Task<TargetState> GetTargetStateAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ScalarAsync(sql.SelectTargetState, cancellationToken, ("target", target)) is string document
            ? LedgerDocuments.ReadTargetState(document)
            : TargetState.OnTrain(target);
    }

    public async Task<bool> SaveAsync(Deployment? deployment, TargetState state, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.BeginWriteAsync(serialiseOn: null, cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            await connection.RollbackAsync(cancellationToken);
            return false;
        }

        if (deployment is not null)
        {
            await UpdateAsync(connection, deployment, heldLock: null, cancellationToken);
        }

        await connection.ExecuteAsync(sql.UpsertTargetState, cancellationToken, ("target", state.Target), ("document", LedgerDocuments.Write(state)));
        await connection.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<LockHolder?> TryAcquireLockAsync(LockHolder wanted, Func<LockHolder, bool> isStale, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);

        // Acquirers of one target are serialised (a row that does not exist yet cannot be locked for update), so
        // exactly one of several concurrent acquirers wins; the lock is released at commit or rollback.
        await connection.BeginWriteAsync("rewind-lock:" + wanted.Target, cancellationToken);
        var current = await ReadLockAsync(connection, wanted.Target, LockRead.Update, cancellationToken);
        if (current is not null && !isStale(current))
        {
            await connection.RollbackAsync(cancellationToken);
            return current;
        }

        await connection.ExecuteAsync(sql.UpsertLock, cancellationToken,
            ("target", wanted.Target), ("token", wanted.Token), ("operation", wanted.Operation), ("who", wanted.Who), ("host", wanted.Host),
            ("pid", wanted.ProcessId), ("acquired", LedgerDocuments.LockTime(wanted.AcquiredAt)), ("expires", LedgerDocuments.LockTime(wanted.ExpiresAt)));
        await connection.CommitAsync(cancellationToken);
        return null;
    }

    public async Task<bool> RenewLockAsync(string target, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(sql.RenewLock, cancellationToken, ("expires", LedgerDocuments.LockTime(expiresAt)), ("target", target), ("token", token)) == 1;
    }

    public async Task ReleaseLockAsync(string target, string token, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(sql.DeleteLock, cancellationToken, ("target", target), ("token", token));
    }

    public async Task<LockHolder?> GetLockAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadLockAsync(connection, target, LockRead.Plain, cancellationToken);
    }

    public async Task<TrainEntry?> BoardTrainAsync(string group, string bundleId, string bundleDigest, string who, DateTimeOffset at, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);

        // Boarders of a group are serialised, so two rollouts never take the same position; the rollout's own
        // lock is checked in the same transaction, so it cannot be broken between the check and the insert.
        await connection.BeginWriteAsync("rewind-train:" + group, cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            await connection.RollbackAsync(cancellationToken);
            return null;
        }

        await connection.ExecuteAsync(sql.InsertTrainEntry, cancellationToken,
            ("grp", group), ("bundle_id", bundleId), ("bundle_digest", bundleDigest), ("who", who), ("boarded_at", at));
        await connection.CommitAsync(cancellationToken);
        return (await ReadTrainAsync(connection, group, cancellationToken)).Single(e => e.BundleDigest == bundleDigest);
    }

    public async Task<bool?> LeaveTrainAsync(string group, string bundleDigest, LockHolder? heldLock, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);

        // Serialised with boarding, so the head it removes is the head.
        await connection.BeginWriteAsync("rewind-train:" + group, cancellationToken);
        if (heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken))
        {
            await connection.RollbackAsync(cancellationToken);
            return null;
        }

        var deleted = await connection.ExecuteAsync(sql.DeleteTrainHead, cancellationToken, ("grp", group), ("bundle_digest", bundleDigest));
        await connection.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    public async Task<IReadOnlyList<TrainEntry>> GetTrainAsync(string group, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadTrainAsync(connection, group, cancellationToken);
    }

    public async Task<string?> GetConfigSeenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ScalarAsync(sql.SelectConfigSeen, cancellationToken) as string;
    }

    public async Task<bool> SwapConfigSeenAsync(string? expected, string next, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return expected is null
            ? await connection.ExecuteAsync(sql.InsertConfigSeen, cancellationToken, ("next", next)) == 1
            : await connection.ExecuteAsync(sql.SwapConfigSeen, cancellationToken, ("next", next), ("expected", expected)) == 1;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override string ToString() => database.Describe();

    private static (string, object?)[] Fence(LockHolder? heldLock) => [("lock_key", heldLock?.Target), ("lock_token", heldLock?.Token)];

    private async Task<bool> UpdateAsync(IStoreConnection connection, Deployment deployment, LockHolder? heldLock, CancellationToken cancellationToken)
    {
        if (await connection.ExecuteAsync(sql.UpdateDeployment, cancellationToken, [("id", deployment.Id), ("document", LedgerDocuments.Write(deployment)), .. Fence(heldLock)]) == 1)
        {
            return true;
        }

        return heldLock is not null && !await HoldsAsync(connection, heldLock, cancellationToken)
            ? false
            : throw new InvalidOperationException($"deployment {deployment.Id} is not in the ledger");
    }

    /// <summary>Whether the lock is still held under its token; where the engine can, the row stays share-locked until the transaction ends.</summary>
    private async Task<bool> HoldsAsync(IStoreConnection connection, LockHolder heldLock, CancellationToken cancellationToken) =>
        (await ReadLockAsync(connection, heldLock.Target, LockRead.Share, cancellationToken))?.Token == heldLock.Token;

    private async Task<LockHolder?> ReadLockAsync(IStoreConnection connection, string target, LockRead read, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync(sql.SelectLock(read), row => new LockHolder(target, row.Text(0), row.Text(1), row.Text(2), row.Text(3), (int)row.Integer(4),
            LedgerDocuments.ParseLockTime(row.Text(5)), LedgerDocuments.ParseLockTime(row.Text(6))), cancellationToken, ("target", target));
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<IReadOnlyList<TrainEntry>> ReadTrainAsync(IStoreConnection connection, string group, CancellationToken cancellationToken) =>
        await connection.QueryAsync(sql.SelectTrain, row => new TrainEntry(row.Text(0), (int)row.Integer(1), row.Text(2), row.Text(3), row.Time(5), row.Text(4)),
            cancellationToken, ("grp", group));
}
