using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>
/// The audit log in the PostgreSQL control plane: Core's <see cref="SqlAuditLog"/> over PostgreSQL's statements.
/// Appends are serialised by a transaction-scoped advisory lock, so several Rewind processes sharing the store
/// extend one chain.
/// </summary>
public sealed class PostgresAuditLog(string connectionString, TimeProvider? clock = null)
    : SqlAuditLog(new PostgresStoreDatabase(connectionString), Statements, new SchemaGate(new PostgresStoreDatabase(connectionString), PostgresSchema.Statements, clock))
{
    private static readonly AuditStatements Statements = new(
        Insert: $"""
            INSERT INTO rw_audit ({Columns}) VALUES (@seq, @at, @who, @operation, @target, @deployment, @reason, @from_version, @to_version,
                @started_at::timestamptz, @ended_at::timestamptz, @outcome, @detail, @prev_hash, @hash, @over_budget)
            """,
        UpsertHead: "INSERT INTO rw_audit_head (id, count, hash) VALUES (1, @count, @hash) ON CONFLICT (id) DO UPDATE SET count = excluded.count, hash = excluded.hash",
        SelectHead: "SELECT count, hash FROM rw_audit_head WHERE id = 1",
        SelectRecent: $"""
            SELECT {Columns} FROM (
                SELECT * FROM rw_audit
                WHERE (@target::text IS NULL OR target = @target::text) AND (@operation::text IS NULL OR operation = @operation::text)
                  AND (@since::timestamptz IS NULL OR at >= @since::timestamptz)
                ORDER BY seq DESC LIMIT @limit) recent
            ORDER BY seq
            """,
        SelectAll: $"SELECT {Columns} FROM rw_audit ORDER BY seq");
}
