using System.Globalization;
using Microsoft.Data.Sqlite;
using Rewind.Core.Audit;
using Rewind.Core.ControlPlane.Storage;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>The audit log in the SQLite control-plane file; a head row (count and last hash) catches removal of the newest entries.</summary>
public sealed class SqliteAuditLog(string path, TimeProvider? clock = null) : IAuditLog
{
    private const string Columns = "seq, at, who, operation, target, deployment, reason, from_version, to_version, started_at, ended_at, outcome, detail, prev_hash, hash, over_budget";

    private readonly SchemaGate _schema = new(new SqliteStoreDatabase(path), SqliteSchema.Statements, clock);

    public async Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await _schema.EnsureAsync(cancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        var (count, hash) = await HeadAsync(connection, cancellationToken);
        var sealedEntry = AuditChain.Seal(entry, count + 1, hash ?? AuditChain.Genesis);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"INSERT INTO audit ({Columns}) VALUES ($seq, $at, $who, $operation, $target, $deployment, $reason, $from, $to, $started, $ended, $outcome, $detail, $prev, $hash, $overBudget)";
            insert.Parameters.AddWithValue("$seq", sealedEntry.Seq);
            insert.Parameters.AddWithValue("$at", Time(sealedEntry.At));
            insert.Parameters.AddWithValue("$who", sealedEntry.Who);
            insert.Parameters.AddWithValue("$operation", sealedEntry.Operation);
            insert.Parameters.AddWithValue("$target", (object?)sealedEntry.Target ?? DBNull.Value);
            insert.Parameters.AddWithValue("$deployment", (object?)sealedEntry.Deployment ?? DBNull.Value);
            insert.Parameters.AddWithValue("$reason", (object?)sealedEntry.Reason ?? DBNull.Value);
            insert.Parameters.AddWithValue("$from", (object?)sealedEntry.FromVersion ?? DBNull.Value);
            insert.Parameters.AddWithValue("$to", (object?)sealedEntry.ToVersion ?? DBNull.Value);
            insert.Parameters.AddWithValue("$started", (object?)Time(sealedEntry.StartedAt) ?? DBNull.Value);
            insert.Parameters.AddWithValue("$ended", (object?)Time(sealedEntry.EndedAt) ?? DBNull.Value);
            insert.Parameters.AddWithValue("$outcome", sealedEntry.Outcome);
            insert.Parameters.AddWithValue("$detail", (object?)sealedEntry.Detail ?? DBNull.Value);
            insert.Parameters.AddWithValue("$prev", sealedEntry.PrevHash);
            insert.Parameters.AddWithValue("$hash", sealedEntry.Hash);
            insert.Parameters.AddWithValue("$overBudget", sealedEntry.OverBudget ? 1 : 0);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var head = connection.CreateCommand())
        {
            head.CommandText = "INSERT INTO audit_head (id, count, hash) VALUES (1, $count, $hash) ON CONFLICT (id) DO UPDATE SET count = excluded.count, hash = excluded.hash";
            head.Parameters.AddWithValue("$count", sealedEntry.Seq);
            head.Parameters.AddWithValue("$hash", sealedEntry.Hash);
            await head.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
        return sealedEntry;
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await _schema.EnsureAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM (
                SELECT * FROM audit
                WHERE ($target IS NULL OR target = $target) AND ($operation IS NULL OR operation = $operation) AND ($since IS NULL OR at >= $since)
                ORDER BY seq DESC LIMIT $limit)
            ORDER BY seq
            """;
        command.Parameters.AddWithValue("$target", (object?)query.Target ?? DBNull.Value);
        command.Parameters.AddWithValue("$operation", (object?)query.Operation ?? DBNull.Value);
        command.Parameters.AddWithValue("$since", (object?)Time(query.Since) ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", query.Limit);
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<AuditHead?> HeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await _schema.EnsureAsync(cancellationToken);
        var (count, hash) = await HeadAsync(connection, cancellationToken);
        return hash is null ? null : new AuditHead(count, hash);
    }

    public async Task<string?> VerifyAsync(IReadOnlyCollection<AuditAnchor> anchors, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(path, cancellationToken);
        await _schema.EnsureAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM audit ORDER BY seq";
        var entries = await ReadEntriesAsync(command, cancellationToken);
        var (count, hash) = await HeadAsync(connection, cancellationToken);
        return AuditChain.Verify(entries, count, hash, anchors);
    }

    private static async Task<(long Count, string? Hash)> HeadAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count, hash FROM audit_head WHERE id = 1";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : (0, null);
    }

    private static async Task<IReadOnlyList<AuditEntry>> ReadEntriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            result.Add(new AuditEntry
            {
                Seq = reader.GetInt64(0),
                At = ParseTime(reader.GetString(1)),
                Who = reader.GetString(2),
                Operation = reader.GetString(3),
                Target = Text(4),
                Deployment = Text(5),
                Reason = Text(6),
                FromVersion = Text(7),
                ToVersion = Text(8),
                StartedAt = Text(9) is { } s ? ParseTime(s) : null,
                EndedAt = Text(10) is { } e ? ParseTime(e) : null,
                Outcome = reader.GetString(11),
                Detail = Text(12),
                PrevHash = reader.GetString(13),
                Hash = reader.GetString(14),
                OverBudget = reader.GetInt64(15) != 0,
            });
        }

        return result;
    }

    private static string? Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
