namespace Rewind.Tests.Storage;

/// <summary>
/// The DDL of Rewind's own tables as the code before schema versions ran it ("create if missing" in each store,
/// no version table), copied verbatim: the fixture of a store that must upgrade in place.
/// </summary>
internal static class OldSchema
{
    public const string Sqlite = """
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
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL, over_budget INTEGER NOT NULL DEFAULT 0
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

    public const string Postgres = """
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
            prev_hash text NOT NULL, hash text NOT NULL, over_budget boolean NOT NULL DEFAULT false
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
}
