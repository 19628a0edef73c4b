using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Sqlite;

/// <summary>
/// The audit log in the SQLite control-plane file: Core's <see cref="SqlAuditLog"/> over SQLite's statements. Times are
/// UTC text to the millisecond (<c>strftime</c> turns the bound ISO-8601 time into it), so they sort as text.
/// </summary>
public sealed class SqliteAuditLog(string path, TimeProvider? clock = null)
    : SqlAuditLog(new SqliteStoreDatabase(path), Statements, new SchemaGate(new SqliteStoreDatabase(path), SqliteSchema.Statements, clock))
{
    private const string Time = "strftime('%Y-%m-%dT%H:%M:%fZ', {0})";

    private static readonly AuditStatements Statements = new(
        Insert: $"""
            INSERT INTO rw_audit ({SqlAuditLog.Columns}) VALUES ($seq, {At("$at")}, $who, $operation, $target, $deployment, $reason, $from_version, $to_version,
                {At("$started_at")}, {At("$ended_at")}, $outcome, $detail, $prev_hash, $hash, $over_budget)
            """,
        UpsertHead: "INSERT INTO rw_audit_head (id, count, hash) VALUES (1, $count, $hash) ON CONFLICT (id) DO UPDATE SET count = excluded.count, hash = excluded.hash",
        SelectHead: "SELECT count, hash FROM rw_audit_head WHERE id = 1",
        SelectRecent: $"""
            SELECT {SqlAuditLog.Columns} FROM (
                SELECT * FROM rw_audit
                WHERE ($target IS NULL OR target = $target) AND ($operation IS NULL OR operation = $operation) AND ($since IS NULL OR at >= {At("$since")})
                ORDER BY seq DESC LIMIT $limit)
            ORDER BY seq
            """,
        SelectAll: $"SELECT {SqlAuditLog.Columns} FROM rw_audit ORDER BY seq");

    private static string At(string parameter) => string.Format(System.Globalization.CultureInfo.InvariantCulture, Time, parameter);
}
