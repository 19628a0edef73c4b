using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>
/// The versions of Rewind's own tables in a PostgreSQL control plane (ledger, locks, train, audit, API tokens), in
/// order. Add a step to change them; never edit a step a store may have run.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Step 1: the tables as "create if missing" made them before versions existed.</summary>
    private const string Tables = """
        CREATE SEQUENCE IF NOT EXISTS rw_ledger_deployment_ids;
        CREATE TABLE IF NOT EXISTS rw_ledger_deployments (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            target text NOT NULL,
            document text NOT NULL
        );
        CREATE INDEX IF NOT EXISTS rw_ledger_deployments_target ON rw_ledger_deployments (target, seq);
        CREATE TABLE IF NOT EXISTS rw_ledger_target_states (target text PRIMARY KEY, document text NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_ledger_train (
            grp text NOT NULL,
            position integer NOT NULL,
            bundle_id text NOT NULL,
            bundle_digest text NOT NULL,
            who text NOT NULL,
            boarded_at timestamptz NOT NULL,
            PRIMARY KEY (grp, position),
            UNIQUE (grp, bundle_digest)
        );
        CREATE TABLE IF NOT EXISTS rw_ledger_config_seen (id int PRIMARY KEY CHECK (id = 1), document text NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_ledger_locks (
            target text PRIMARY KEY,
            token text NOT NULL,
            operation text NOT NULL,
            who text NOT NULL,
            host text NOT NULL,
            pid integer NOT NULL,
            acquired_at text NOT NULL,
            expires_at text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS rw_audit (
            seq bigint PRIMARY KEY,
            at timestamptz NOT NULL, who text NOT NULL, operation text NOT NULL, target text, deployment text, reason text,
            from_version text, to_version text, started_at timestamptz, ended_at timestamptz, outcome text NOT NULL, detail text,
            prev_hash text NOT NULL, hash text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS rw_audit_head (id int PRIMARY KEY CHECK (id = 1), count bigint NOT NULL, hash text NOT NULL);
        CREATE TABLE IF NOT EXISTS rw_api_tokens (
            name text PRIMARY KEY,
            role text NOT NULL,
            hash text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL,
            created_by text NOT NULL
        );
        """;

    public static readonly StoreSchemaStatements Statements = new(
        Steps:
        [
            new(1, "the ledger, locks, train, audit and API tokens", Tables),

            // SQLite's tables took these names in step 2; here they always had them.
            new(2, "the same table names as on SQLite", Sql: ""),

            // Was a one-off "add if missing" in the audit log; a store made before versions may have it already.
            new(3, "audit entries record whether the operation ran over its time budget",
                "ALTER TABLE rw_audit ADD COLUMN IF NOT EXISTS over_budget boolean NOT NULL DEFAULT false"),
        ],
        VersionTableExists: $"SELECT to_regclass('{StoreSchema.VersionTable}') IS NOT NULL",
        CreateVersionTable: $"CREATE TABLE IF NOT EXISTS {StoreSchema.VersionTable} (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL, applied_at timestamptz NOT NULL)",
        ReadVersion: $"SELECT version FROM {StoreSchema.VersionTable} WHERE id = 1",
        WriteVersion: $"INSERT INTO {StoreSchema.VersionTable} (id, version, applied_at) VALUES (1, @version, @applied_at) ON CONFLICT (id) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at");
}
