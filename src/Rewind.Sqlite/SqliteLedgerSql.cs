using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Sqlite;

/// <summary>The ledger's statements in SQLite's dialect.</summary>
internal static class SqliteLedgerSql
{
    /// <summary>
    /// The fencing condition of a ledger write: no lock given, or the lock still held under its token. Evaluated in
    /// the write's own statement, and SQLite has one writer, so an unlock cannot slip between check and write.
    /// </summary>
    private const string Fence = "($lock_token IS NULL OR EXISTS (SELECT 1 FROM rw_ledger_locks WHERE target = $lock_key AND token = $lock_token))";

    public static readonly LedgerStatements Statements = new()
    {
        NextDeploymentId = "INSERT INTO rw_ledger_counters (name, value) VALUES ('deployment', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        InsertDeployment = $"INSERT INTO rw_ledger_deployments (id, target, document) SELECT $id, $target, $document WHERE {Fence}",
        UpdateDeployment = $"UPDATE rw_ledger_deployments SET document = $document WHERE id = $id AND {Fence}",
        DeleteDeployment = $"DELETE FROM rw_ledger_deployments WHERE id = $id AND {Fence}",
        SelectDeployments = "SELECT document FROM rw_ledger_deployments WHERE target = $target ORDER BY seq DESC",
        SelectLedgerTargets = "SELECT DISTINCT target FROM rw_ledger_deployments ORDER BY target",
        SelectTargetState = "SELECT document FROM rw_ledger_target_states WHERE target = $target",
        UpsertTargetState = "INSERT INTO rw_ledger_target_states (target, document) VALUES ($target, $document) ON CONFLICT (target) DO UPDATE SET document = excluded.document",

        // One writer at a time: a plain read inside BEGIN IMMEDIATE is as good as a row lock.
        SelectLock = _ => "SELECT token, operation, who, host, pid, acquired_at, expires_at FROM rw_ledger_locks WHERE target = $target",
        UpsertLock = """
            INSERT OR REPLACE INTO rw_ledger_locks (target, token, operation, who, host, pid, acquired_at, expires_at)
            VALUES ($target, $token, $operation, $who, $host, $pid, $acquired, $expires)
            """,
        RenewLock = "UPDATE rw_ledger_locks SET expires_at = $expires WHERE target = $target AND token = $token",
        DeleteLock = "DELETE FROM rw_ledger_locks WHERE target = $target AND token = $token",
        InsertTrainEntry = """
            INSERT INTO rw_ledger_train (grp, position, bundle_id, bundle_digest, who, boarded_at)
            SELECT $grp, coalesce(max(position), 0) + 1, $bundle_id, $bundle_digest, $who, $boarded_at FROM rw_ledger_train WHERE grp = $grp
            ON CONFLICT (grp, bundle_digest) DO NOTHING
            """,
        DeleteTrainHead = """
            DELETE FROM rw_ledger_train WHERE grp = $grp AND bundle_digest = $bundle_digest
              AND position = (SELECT max(position) FROM rw_ledger_train WHERE grp = $grp)
            """,
        SelectTrain = "SELECT grp, position, bundle_id, bundle_digest, who, boarded_at FROM rw_ledger_train WHERE grp = $grp ORDER BY position",
        SelectConfigSeen = "SELECT document FROM rw_ledger_config_seen WHERE id = 1",
        InsertConfigSeen = "INSERT INTO rw_ledger_config_seen (id, document) VALUES (1, $next) ON CONFLICT (id) DO NOTHING",
        SwapConfigSeen = "UPDATE rw_ledger_config_seen SET document = $next WHERE id = 1 AND document = $expected",
    };
}
