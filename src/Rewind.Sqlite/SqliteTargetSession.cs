using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>
/// One IMMEDIATE transaction on a SQLite target. Bulk work reuses prepared statements inside the single
/// transaction, which is SQLite's fastest path (no per-statement commit, no re-parse).
/// </summary>
internal sealed class SqliteTargetSession(SqliteConnection connection) : ITargetSession, ISnapshotSource
{
    private bool _committed;

    public async Task ApplyRecordsAsync(IAsyncEnumerable<RecordChange> changes, IPriorImageSink? priorSink, CancellationToken cancellationToken = default)
    {
        using var writes = new SqliteRecordWrites(connection);
        await writes.ApplyAsync(changes, priorSink, cancellationToken);
    }

    public async IAsyncEnumerable<string?> ReadRecordsAsync(IAsyncEnumerable<RecordKey> addresses, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reads = new SqliteRecordWrites(connection);
        await foreach (var address in addresses.WithCancellation(cancellationToken))
        {
            yield return reads.Read(address);
        }
    }

    public async Task<TableShape?> DescribeTableAsync(string table, CancellationToken cancellationToken = default)
    {
        var columns = new List<(string Name, long Pk)>();
        await using (var command = Command(connection, "SELECT name, pk FROM pragma_table_info($table) ORDER BY cid", ("$table", table)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        if (columns.Count == 0)
        {
            return null;
        }

        var indexes = (await IndexesAsync(table, cancellationToken)).Select(i => i.Name).ToList();
        var primaryKey = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList();
        return new TableShape(columns.Select(c => c.Name).ToList(), primaryKey, indexes);
    }

    public async IAsyncEnumerable<byte[]> ReadRowsAsync(string table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The columns a data copy writes (table_info leaves out generated ones, which SQLite computes and refuses to
        // be given): a captured row must apply back, or the rollback would fail.
        var shape = await DescribeTableAsync(table, cancellationToken)
            ?? throw new InvalidOperationException($"table '{table}' does not exist");
        await using var command = Command(connection, $"SELECT {string.Join(", ", shape.Columns.Select(Quote))} FROM {Quote(table)}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var values = new object[names.Length];
        var buffer = new ArrayBufferWriter<byte>(256);
        await using var writer = new Utf8JsonWriter(buffer);
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetValues(values);
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            for (var i = 0; i < names.Length; i++)
            {
                writer.WritePropertyName(names[i]);
                SqliteValues.Write(writer, reader, i, values[i]);
            }

            writer.WriteEndObject();
            await writer.FlushAsync(cancellationToken);
            yield return buffer.WrittenSpan.ToArray();
        }
    }

    public async Task ReplaceRowsAsync(string table, string file, IAsyncEnumerable<DataRow> rows, CancellationToken cancellationToken = default)
    {
        var shape = await DescribeTableAsync(table, cancellationToken)
            ?? throw new BundleInvalidException(file, 0, $"table '{table}' does not exist on the target");
        await using (var clear = Command(connection, $"DELETE FROM {Quote(table)}"))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        var columns = shape.Columns;
        var index = columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.OrdinalIgnoreCase);
        // $t{i} says the value is text given as bytes (bound as a blob): CAST keeps its bytes exactly, valid UTF-8 or not.
        var parameters = columns.Select((_, i) => $"$p{i}").Concat(columns.Select((_, i) => $"$t{i}")).ToArray();
        var values = string.Join(", ", columns.Select((_, i) => $"CASE WHEN $t{i} THEN CAST($p{i} AS TEXT) ELSE $p{i} END"));
        await using var insert = Prepare(
            $"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) VALUES ({values})",
            parameters);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            for (var i = 0; i < columns.Count; i++)
            {
                insert.Parameters[i].Value = DBNull.Value;
                insert.Parameters[columns.Count + i].Value = 0L;
            }

            var span = row.Json.Span;
            var reader = new Utf8JsonReader(span);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var column = reader.GetString()!;
                if (!index.TryGetValue(column, out var i))
                {
                    throw new BundleInvalidException(file, row.Line, $"'{column}' is not a column of table '{table}' (its columns: {string.Join(", ", columns)})");
                }

                reader.Read();
                var value = SqliteValues.ToDb(ref reader, span, file, row.Line, column);
                if (value is SqliteValues.TextBytes text)
                {
                    value = text.Bytes;
                    insert.Parameters[columns.Count + i].Value = 1L;
                }

                insert.Parameters[i].Value = value;
            }

            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new BundleInvalidException(file, row.Line, $"the row violates a constraint of table '{table}': {e.Message}");
            }
        }
    }

    public Task<IPlatformRows> OpenRowsAsync(string table, IReadOnlyList<string>? key, string file, CancellationToken cancellationToken = default) => SqlitePlatformRows.OpenAsync(connection, table, key, file, cancellationToken);

    public IAsyncEnumerable<RecordChange> ScanRecordsAsync(CancellationToken cancellationToken = default) => SqliteRecordScan.ReadAsync(connection, cancellationToken);

    public Task MarkAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken = default) =>
        SqliteTableDdl.MarkAdoptedAsync(connection, table, deploymentId, cancellationToken);

    public Task<bool> ReleaseAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken = default) =>
        SqliteTableDdl.ReleaseAdoptedAsync(connection, table, deploymentId, cancellationToken);

    public async Task ApplyTableDefinitionAsync(string table, TableDefinition definition, CancellationToken cancellationToken = default) =>
        await SqliteTableDdl.ApplyDefinitionAsync(connection, table, definition, await DescribeTableAsync(table, cancellationToken), cancellationToken);

    public Task DropQuarantinedAsync(string quarantined, CancellationToken cancellationToken = default) =>
        SqliteTableDdl.DropQuarantinedAsync(connection, quarantined, cancellationToken);

    public async Task<QuarantinedTable> QuarantineTableAsync(string table, string tag, CancellationToken cancellationToken = default) =>
        await SqliteTableDdl.QuarantineAsync(connection, table, tag, await IndexesAsync(table, cancellationToken), cancellationToken);

    public async Task<DeploymentMarker?> ReadMarkerAsync(string deploymentId, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, "SELECT id, bundle_id, bundle_digest, inverse_digest, applied_at, rolled_back_at FROM rw_deployments WHERE id = $id", ("$id", deploymentId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new DeploymentMarker(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            DateTimeOffset.Parse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture),
            reader.IsDBNull(5) ? null : DateTimeOffset.Parse(reader.GetString(5), System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task WriteMarkerAsync(DeploymentMarker marker, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, 
            """
            INSERT INTO rw_deployments (id, bundle_id, bundle_digest, inverse_digest, applied_at, rolled_back_at)
            VALUES ($id, $bundle, $digest, $inverse, $applied, $rolledBack)
            ON CONFLICT (id) DO UPDATE SET rolled_back_at = excluded.rolled_back_at
            """,
            ("$id", marker.DeploymentId), ("$bundle", marker.BundleId), ("$digest", marker.BundleDigest), ("$inverse", marker.InverseDigest),
            ("$applied", marker.AppliedAt.ToString("O")), ("$rolledBack", (object?)marker.RolledBackAt?.ToString("O") ?? DBNull.Value));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<TargetFence?> ReadFenceAsync(CancellationToken cancellationToken = default)
    {
        // The session holds the write lock since BEGIN IMMEDIATE: no claim can land until it ends.
        await using var command = Command(connection, "SELECT token, holder FROM rw_fence WHERE id = 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new TargetFence(reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task WriteFenceAsync(TargetFence fence, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, 
            "INSERT INTO rw_fence (id, token, holder) VALUES (1, $token, $holder) ON CONFLICT (id) DO UPDATE SET token = excluded.token, holder = excluded.holder",
            ("$token", fence.Token), ("$holder", fence.Holder));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        await ExecuteAsync(connection, "COMMIT", cancellationToken);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            try
            {
                await ExecuteAsync(connection, "ROLLBACK", CancellationToken.None);
            }
            catch (SqliteException)
            {
                // SQLite already rolled the transaction back (e.g. after an I/O error); nothing is left to undo.
            }
        }

        await connection.DisposeAsync();
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using var command = Command(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND (name NOT LIKE 'rw\\_%' ESCAPE '\\' OR name = 'rw_records') ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    public async Task<IReadOnlyList<string>> IndexSignaturesAsync(string table, CancellationToken cancellationToken) =>
        (await IndexesAsync(table, cancellationToken)).Select(i => $"{i.Name}({string.Join(",", i.Columns)}){(i.Unique ? " unique" : "")}").Order(StringComparer.Ordinal).ToList();

    private async Task<IReadOnlyList<(string Name, IReadOnlyList<string> Columns, bool Unique)>> IndexesAsync(string table, CancellationToken cancellationToken)
    {
        var indexes = new List<(string, bool)>();
        await using (var command = Command(connection, "SELECT name, \"unique\" FROM pragma_index_list($table) WHERE origin = 'c' ORDER BY name", ("$table", table)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add((reader.GetString(0), reader.GetInt64(1) == 1));
            }
        }

        var result = new List<(string, IReadOnlyList<string>, bool)>();
        foreach (var (name, unique) in indexes)
        {
            var columns = new List<string>();
            await using var command = Command(connection, "SELECT name FROM pragma_index_info($index) ORDER BY seqno", ("$index", name));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(reader.GetString(0));
            }

            result.Add((name, columns, unique));
        }

        return result;
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Binds a record's address to the first three parameters of a prepared statement, allocating nothing.</summary>
    private static void Bind(SqliteCommand command, RecordKey address)
    {
        var parameters = command.Parameters;
        parameters[0].Value = address.Layer;
        parameters[1].Value = address.Type;
        parameters[2].Value = address.Key;
    }
}
