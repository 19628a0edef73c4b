using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>The ledger's statements in PostgreSQL's dialect.</summary>
internal static class PostgresLedgerSql
{
    /// <summary>
    /// The fencing condition of a ledger write: no lock given, or the lock still held under its token. The lock row
    /// is share-locked by the write's own statement, so an unlock (a delete of that row) waits for the write to
    /// commit, and a write after the unlock finds no row.
    /// </summary>
    private const string Fence = "(@lock_token::text IS NULL OR EXISTS (SELECT 1 FROM rw_ledger_locks WHERE target = @lock_key::text AND token = @lock_token::text FOR SHARE))";

    private const string SelectLock = "SELECT token, operation, who, host, pid, acquired_at, expires_at FROM rw_ledger_locks WHERE target = @target";

    public static readonly LedgerStatements Statements = new()
    {
        NextDeploymentId = "SELECT nextval('rw_ledger_deployment_ids')",
        InsertDeployment = $"INSERT INTO rw_ledger_deployments (id, target, document) SELECT @id, @target, @document WHERE {Fence}",
        UpdateDeployment = $"UPDATE rw_ledger_deployments SET document = @document WHERE id = @id AND {Fence}",
        DeleteDeployment = $"DELETE FROM rw_ledger_deployments WHERE id = @id AND {Fence}",
        SelectDeployments = "SELECT document FROM rw_ledger_deployments WHERE target = @target ORDER BY seq DESC",
        SelectLedgerTargets = "SELECT DISTINCT target FROM rw_ledger_deployments ORDER BY target",
        SelectTargetState = "SELECT document FROM rw_ledger_target_states WHERE target = @target",
        UpsertTargetState = "INSERT INTO rw_ledger_target_states (target, document) VALUES (@target, @document) ON CONFLICT (target) DO UPDATE SET document = excluded.document",
        SelectLock = read => read switch
        {
            LockRead.Share => SelectLock + " FOR SHARE",
            LockRead.Update => SelectLock + " FOR UPDATE",
            _ => SelectLock,
        },
        UpsertLock = """
            INSERT INTO rw_ledger_locks (target, token, operation, who, host, pid, acquired_at, expires_at)
            VALUES (@target, @token, @operation, @who, @host, @pid, @acquired, @expires)
            ON CONFLICT (target) DO UPDATE SET token = excluded.token, operation = excluded.operation, who = excluded.who,
                host = excluded.host, pid = excluded.pid, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
            """,
        RenewLock = "UPDATE rw_ledger_locks SET expires_at = @expires WHERE target = @target AND token = @token",
        DeleteLock = "DELETE FROM rw_ledger_locks WHERE target = @target AND token = @token",
        InsertTrainEntry = """
            INSERT INTO rw_ledger_train (grp, position, bundle_id, bundle_digest, who, boarded_at)
            SELECT @grp, coalesce(max(position), 0) + 1, @bundle_id, @bundle_digest, @who, @boarded_at FROM rw_ledger_train WHERE grp = @grp
            ON CONFLICT (grp, bundle_digest) DO NOTHING
            """,
        DeleteTrainHead = """
            DELETE FROM rw_ledger_train WHERE grp = @grp AND bundle_digest = @bundle_digest
              AND position = (SELECT max(position) FROM rw_ledger_train WHERE grp = @grp)
            """,
        SelectTrain = "SELECT grp, position, bundle_id, bundle_digest, who, boarded_at FROM rw_ledger_train WHERE grp = @grp ORDER BY position",
        SelectConfigSeen = "SELECT document FROM rw_ledger_config_seen WHERE id = 1",
        InsertConfigSeen = "INSERT INTO rw_ledger_config_seen (id, document) VALUES (1, @next) ON CONFLICT (id) DO NOTHING",
        SwapConfigSeen = "UPDATE rw_ledger_config_seen SET document = @next WHERE id = 1 AND document = @expected",
    };
}
