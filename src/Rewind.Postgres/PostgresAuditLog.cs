using Npgsql;
using Rewind.Core.Audit;
using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>
/// The audit log in the PostgreSQL control plane. Appends are serialised by a transaction-scoped advisory
/// lock, so several Rewind processes sharing the store extend one chain.
/// </summary>
public sealed class PostgresAuditLog(string connectionString, TimeProvider? clock = null) : IAuditLog
{
    private readonly SchemaGate _schema = new(new PostgresStoreDatabase(connectionString), PostgresSchema.Statements, clock);

    private const string Columns = "seq, at, who, operation, target, deployment, reason, from_version, to_version, started_at, ended_at, outcome, detail, prev_hash, hash, over_budget";

    public async Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('rewind-audit'))", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var (count, hash) = await HeadAsync(connection, transaction, cancellationToken);
        var sealedEntry = AuditChain.Seal(entry, count + 1, hash ?? AuditChain.Genesis);
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO rw_audit ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)", connection, transaction))
        {
            object Value(object? value) => value ?? DBNull.Value;
            foreach (var value in new object?[]
            {
                sealedEntry.Seq, sealedEntry.At, sealedEntry.Who, sealedEntry.Operation, sealedEntry.Target, sealedEntry.Deployment, sealedEntry.Reason,
                sealedEntry.FromVersion, sealedEntry.ToVersion, sealedEntry.StartedAt, sealedEntry.EndedAt, sealedEntry.Outcome, sealedEntry.Detail,
                sealedEntry.PrevHash, sealedEntry.Hash, sealedEntry.OverBudget,
            })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = Value(value) });
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var head = new NpgsqlCommand(
            "INSERT INTO rw_audit_head (id, count, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET count = excluded.count, hash = excluded.hash", connection, transaction))
        {
            head.Parameters.Add(new NpgsqlParameter { Value = sealedEntry.Seq });
            head.Parameters.Add(new NpgsqlParameter { Value = sealedEntry.Hash });
            await head.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return sealedEntry;
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT {Columns} FROM (
                SELECT * FROM rw_audit
                WHERE ($1::text IS NULL OR target = $1) AND ($2::text IS NULL OR operation = $2) AND ($3::timestamptz IS NULL OR at >= $3)
                ORDER BY seq DESC LIMIT $4) recent
            ORDER BY seq
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Target ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Operation ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Since ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit });
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<AuditHead?> HeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (count, hash) = await HeadAsync(connection, null, cancellationToken);
        return hash is null ? null : new AuditHead(count, hash);
    }

    public async Task<string?> VerifyAsync(IReadOnlyCollection<AuditAnchor> anchors, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM rw_audit ORDER BY seq", connection);
        var entries = await ReadEntriesAsync(command, cancellationToken);
        var (count, hash) = await HeadAsync(connection, null, cancellationToken);
        return AuditChain.Verify(entries, count, hash, anchors);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        return await PgSql.OpenAsync(connectionString, cancellationToken);
    }

    private static async Task<(long Count, string? Hash)> HeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count, hash FROM rw_audit_head WHERE id = 1", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : (0, null);
    }

    private static async Task<IReadOnlyList<AuditEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(reader.GetDateTime(i), TimeSpan.Zero);
            result.Add(new AuditEntry
            {
                Seq = reader.GetInt64(0),
                At = Time(1)!.Value,
                Who = reader.GetString(2),
                Operation = reader.GetString(3),
                Target = Text(4),
                Deployment = Text(5),
                Reason = Text(6),
                FromVersion = Text(7),
                ToVersion = Text(8),
                StartedAt = Time(9),
                EndedAt = Time(10),
                Outcome = reader.GetString(11),
                Detail = Text(12),
                PrevHash = reader.GetString(13),
                Hash = reader.GetString(14),
                OverBudget = reader.GetBoolean(15),
            });
        }

        return result;
    }
}
