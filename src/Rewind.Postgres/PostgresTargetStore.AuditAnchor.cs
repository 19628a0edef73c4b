using Rewind.Core.Audit;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

public sealed partial class PostgresTargetStore
{
    private string Anchor => $"{Quote(schema)}.{Quote("rw_audit_anchor")}";

    public async Task WriteAuditAnchorAsync(AuditHead head, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);

        // A target Rewind has not made yet (no rw_records) is not made by the audit.
        if (await ScalarAsync(connection, "SELECT to_regclass(@table) IS NOT NULL", cancellationToken, ("table", $"{Quote(schema)}.{Quote("rw_records")}")) is not true)
        {
            return;
        }

        await EnsureSchemaAsync(connection, cancellationToken, withAuditAnchor: true);
        await ExecuteAsync(connection, $"""
            INSERT INTO {Anchor} (id, seq, hash) VALUES (1, @seq, @hash)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > {Anchor}.seq
            """, cancellationToken, ("seq", head.Seq), ("hash", head.Hash));
    }

    public async Task<AuditHead?> ReadAuditAnchorAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        if (await ScalarAsync(connection, "SELECT to_regclass(@table) IS NOT NULL", cancellationToken, ("table", Anchor)) is not true)
        {
            return null;
        }

        await using var command = Command(connection, $"SELECT seq, hash FROM {Anchor} WHERE id = 1");
        await using var reader = await ReaderAsync(command, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new AuditHead(reader.GetInt64(0), reader.GetString(1)) : null;
    }
}
