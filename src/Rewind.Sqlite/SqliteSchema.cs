using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Sqlite;

/// <summary>
/// The versions of Rewind's own tables in a SQLite control-plane file (ledger, locks, train, audit, API tokens),
/// in order. Add a step to change them; never edit a step a store may have run.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Step 1: the tables as "create if missing" made them before versions existed.</summary>
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS deployments (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            target TEXT NOT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS deployments_target ON deployments (target, seq);
        CREATE TABLE IF NOT EXISTS target_states (target TEXT PRIMARY KEY, document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS train (
            grp TEXT NOT NULL,
            position INTEGER NOT NULL,
            bundle_id TEXT NOT NULL,
            bundle_digest TEXT NOT NULL,
            who TEXT NOT NULL,
            boarded_at TEXT NOT NULL,
            PRIMARY KEY (grp, position),
            UNIQUE (grp, bundle_digest)
        );
        CREATE TABLE IF NOT EXISTS config_seen (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS locks (
            target TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            operation TEXT NOT NULL,
            who TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL, who TEXT NOT NULL, operation TEXT NOT NULL, target TEXT, deployment TEXT, reason TEXT,
            from_version TEXT, to_version TEXT, started_at TEXT, ended_at TEXT, outcome TEXT NOT NULL, detail TEXT,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS api_tokens (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        """;

    /// <summary>Step 2: the names PostgreSQL has always used (reserved <c>rw_</c> prefix), so one name means one table on both engines.</summary>
    private const string SharedNames = """
        ALTER TABLE counters RENAME TO rw_ledger_counters;
        ALTER TABLE deployments RENAME TO rw_ledger_deployments;
        DROP INDEX IF EXISTS deployments_target;
        CREATE INDEX rw_ledger_deployments_target ON rw_ledger_deployments (target, seq);
        ALTER TABLE target_states RENAME TO rw_ledger_target_states;
        ALTER TABLE train RENAME TO rw_ledger_train;
        ALTER TABLE config_seen RENAME TO rw_ledger_config_seen;
        ALTER TABLE locks RENAME TO rw_ledger_locks;
        ALTER TABLE audit RENAME TO rw_audit;
        ALTER TABLE audit_head RENAME TO rw_audit_head;
        ALTER TABLE api_tokens RENAME TO rw_api_tokens;
        """;

    public static readonly StoreSchemaStatements Statements = new(
        Steps:
        [
            new(1, "the ledger, locks, train, audit and API tokens", Tables),
            new(2, "the same table names as on PostgreSQL", SharedNames),

            // Was a one-off "add if missing" in the audit log; a store made before versions may have it already.
            new(3, "audit entries record whether the operation ran over its time budget",
                "ALTER TABLE rw_audit ADD COLUMN over_budget INTEGER NOT NULL DEFAULT 0",
                SkipWhen: "SELECT count(*) FROM pragma_table_info('rw_audit') WHERE name = 'over_budget'"),
        ],
        VersionTableExists: $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{StoreSchema.VersionTable}'",
        CreateVersionTable: $"CREATE TABLE IF NOT EXISTS {StoreSchema.VersionTable} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, applied_at TEXT NOT NULL)",
        ReadVersion: $"SELECT version FROM {StoreSchema.VersionTable} WHERE id = 1",
        WriteVersion: $"INSERT INTO {StoreSchema.VersionTable} (id, version, applied_at) VALUES (1, $version, $applied_at) ON CONFLICT (id) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at");
}
