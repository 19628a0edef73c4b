using Microsoft.Data.Sqlite;
using Rewind.Core.Audit;

namespace Rewind.Sqlite;

public sealed partial class SqliteTargetStore
{
    private const string WriteAnchorSql = """
        INSERT INTO rw_audit_anchor (id, seq, hash) VALUES (1, $seq, $hash)
        ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > rw_audit_anchor.seq
        """;

    public async Task WriteAuditAnchorAsync(AuditHead head, CancellationToken cancellationToken = default)
    {
        // A target that does not exist yet (a refused command's mistyped path) is not made by the audit.
        if (!Exists)
        {
            return;
        }

        // A short wait: a refusal is audited while another process may hold the target's write lock for long.
        await using var connection = await SqliteConnections.OpenAsync(path, TimeSpan.FromSeconds(1), cancellationToken);
        await SqliteConnections.ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        await SqliteConnections.ExecuteAsync(connection, Schema, cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = WriteAnchorSql;
            command.Parameters.AddWithValue("$seq", head.Seq);
            command.Parameters.AddWithValue("$hash", head.Hash);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await SqliteConnections.ExecuteAsync(connection, "COMMIT", cancellationToken);
    }

    public async Task<AuditHead?> ReadAuditAnchorAsync(CancellationToken cancellationToken = default)
    {
        if (!Exists)
        {
            return null;
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'rw_audit_anchor'";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return null;
        }

        command.CommandText = "SELECT seq, hash FROM rw_audit_anchor WHERE id = 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new AuditHead(reader.GetInt64(0), reader.GetString(1)) : null;
    }
}
