using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// One transaction on a PostgreSQL target. Bulk work is set-based (records: <see cref="PostgresRecordWrites"/>), so
/// the number of round trips does not grow with the number of records.
/// </summary>
internal sealed class PostgresTargetSession(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema) : ITargetSession, ISnapshotSource
{
    /// <summary>Addresses per <c>unnest</c> batch when reading records.</summary>
    private const int ReadBatch = 10_000;

    private readonly string _records = $"{Quote(schema)}.{Quote("rw_records")}";
    private readonly string _deployments = $"{Quote(schema)}.{Quote("rw_deployments")}";
    private readonly string _fence = $"{Quote(schema)}.{Quote("rw_fence")}";
    private bool _committed;

    public Task ApplyRecordsAsync(IAsyncEnumerable<RecordChange> changes, IPriorImageSink? priorSink, CancellationToken cancellationToken = default) =>
        PostgresRecordWrites.ApplyAsync(connection, schema, changes, priorSink, cancellationToken);

    public async IAsyncEnumerable<string?> ReadRecordsAsync(IAsyncEnumerable<RecordKey> addresses, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var layers = new List<string>();
        var types = new List<string>();
        var keys = new List<string>();
        await foreach (var (layer, type, key) in addresses.WithCancellation(cancellationToken))
        {
            layers.Add(layer);
            types.Add(type);
            keys.Add(key);
            if (keys.Count == ReadBatch)
            {
                await foreach (var body in ReadBatchAsync(layers, types, keys, cancellationToken))
                {
                    yield return body;
                }

                layers.Clear();
                types.Clear();
                keys.Clear();
            }
        }

        if (keys.Count > 0)
        {
            await foreach (var body in ReadBatchAsync(layers, types, keys, cancellationToken))
            {
                yield return body;
            }
        }
    }

    private async IAsyncEnumerable<string?> ReadBatchAsync(List<string> layers, List<string> types, List<string> keys, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = Command(connection, $"""
            SELECT r.body
            FROM unnest(@layers::text[], @types::text[], @keys::text[]) WITH ORDINALITY AS a(layer, type, key, ord)
            LEFT JOIN {_records} r ON r.layer = a.layer AND r.type = a.type AND r.key = a.key
            ORDER BY a.ord
            """, ("layers", layers.ToArray()), ("types", types.ToArray()), ("keys", keys.ToArray()));
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader.IsDBNull(0) ? null : reader.GetString(0);
        }
    }

    public async Task<TableShape?> DescribeTableAsync(string table, CancellationToken cancellationToken = default)
    {
        var info = await TableInfoAsync(table, cancellationToken);
        return info is null
            ? null
            : new TableShape(info.Columns.Select(c => c.Name).ToList(), info.PrimaryKey, info.Indexes.Select(i => i.Name).ToList());
    }

    public Task<IPlatformRows> OpenRowsAsync(string table, IReadOnlyList<string>? key, string file, CancellationToken cancellationToken = default) =>
        PostgresPlatformRows.OpenAsync(connection, schema, table, key, file, cancellationToken);

    public IAsyncEnumerable<RecordChange> ScanRecordsAsync(CancellationToken cancellationToken = default) => PostgresRecordScan.ReadAsync(connection, schema, cancellationToken);

    public async IAsyncEnumerable<byte[]> ReadRowsAsync(string table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var info = await TableInfoAsync(table, cancellationToken)
            ?? throw new InvalidOperationException($"table '{table}' does not exist in schema '{schema}'");
        var order = info.PrimaryKey.Count > 0 ? $" ORDER BY {string.Join(", ", info.PrimaryKey.Select(Quote))}" : "";
        await using var command = Command(connection, $"SELECT {string.Join(", ", info.Columns.Select(c => c.ReadExpression))} FROM {Qualify(table)}{order}");
        await using var reader = await ReaderAsync(command, cancellationToken);
        var values = new object[info.Columns.Count];
        var buffer = new ArrayBufferWriter<byte>(256);
        await using var writer = new Utf8JsonWriter(buffer);
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetValues(values);
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            for (var i = 0; i < values.Length; i++)
            {
                writer.WritePropertyName(info.Columns[i].Name);
                PostgresValues.Write(writer, info.Columns[i], values[i]);
            }

            writer.WriteEndObject();
            await writer.FlushAsync(cancellationToken);
            yield return buffer.WrittenSpan.ToArray();
        }
    }

    public async Task ReplaceRowsAsync(string table, string file, IAsyncEnumerable<DataRow> rows, CancellationToken cancellationToken = default)
    {
        var info = await TableInfoAsync(table, cancellationToken)
            ?? throw new BundleInvalidException(file, 0, $"table '{table}' does not exist on the target");
        await new PostgresDataCopy(connection, Qualify(table), table, file, info.Columns).ReplaceAsync(rows, cancellationToken);
    }

    public async Task ApplyTableDefinitionAsync(string table, TableDefinition definition, CancellationToken cancellationToken = default) =>
        await Ddl.ApplyDefinitionAsync(table, definition, await DescribeTableAsync(table, cancellationToken), cancellationToken);

    public Task DropQuarantinedAsync(string quarantined, CancellationToken cancellationToken = default) => Ddl.DropQuarantinedAsync(quarantined, cancellationToken);

    public Task MarkAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken = default) => Ddl.MarkAdoptedAsync(table, deploymentId, cancellationToken);

    public Task<bool> ReleaseAdoptedAsync(string table, string deploymentId, CancellationToken cancellationToken = default) => Ddl.ReleaseAdoptedAsync(table, deploymentId, cancellationToken);

    public Task<QuarantinedTable> QuarantineTableAsync(string table, string tag, CancellationToken cancellationToken = default) => Ddl.QuarantineAsync(table, tag, cancellationToken);

    public async Task<DeploymentMarker?> ReadMarkerAsync(string deploymentId, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, $"SELECT id, bundle_id, bundle_digest, inverse_digest, applied_at, rolled_back_at FROM {_deployments} WHERE id = @id", ("id", deploymentId));
        await using var reader = await ReaderAsync(command, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new DeploymentMarker(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
            reader.IsDBNull(5) ? null : DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture));
    }

    public async Task WriteMarkerAsync(DeploymentMarker marker, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync(connection, $"""
            INSERT INTO {_deployments} (id, bundle_id, bundle_digest, inverse_digest, applied_at, rolled_back_at)
            VALUES (@id, @bundle, @digest, @inverse, @applied, @rolledBack)
            ON CONFLICT (id) DO UPDATE SET rolled_back_at = excluded.rolled_back_at
            """, cancellationToken,
            ("id", marker.DeploymentId), ("bundle", marker.BundleId), ("digest", marker.BundleDigest), ("inverse", marker.InverseDigest),
            ("applied", marker.AppliedAt.ToString("O", CultureInfo.InvariantCulture)), ("rolledBack", marker.RolledBackAt?.ToString("O", CultureInfo.InvariantCulture)));
    }

    public async Task<TargetFence?> ReadFenceAsync(CancellationToken cancellationToken = default)
    {
        // Sessions on a target are serialised by its advisory lock, so no claim lands while this one is open; FOR
        // SHARE keeps that true even against a writer that does not take the advisory lock.
        await using var command = Command(connection, $"SELECT token, holder FROM {_fence} WHERE id = 1 FOR SHARE");
        await using var reader = await ReaderAsync(command, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new TargetFence(reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task WriteFenceAsync(TargetFence fence, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(connection,
            $"INSERT INTO {_fence} (id, token, holder) VALUES (1, @token, @holder) ON CONFLICT (id) DO UPDATE SET token = excluded.token, holder = excluded.holder",
            cancellationToken, ("token", fence.Token), ("holder", fence.Holder));

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        RoundTrips.Add();
        await transaction.CommitAsync(cancellationToken);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection broke or the transaction is already gone: the server rolled it back itself.
            }
        }

        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }

    /// <summary>Ordinary tables of the schema, Rewind's own excluded except <c>rw_records</c>.</summary>
    public async Task<IReadOnlyList<string>> ListTablesAsync(CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using var command = Command(connection, """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND (c.relname NOT LIKE 'rw\_%' OR c.relname = 'rw_records')
            ORDER BY c.relname COLLATE "C"
            """, ("schema", schema));
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    public async Task<IReadOnlyList<string>> IndexSignaturesAsync(string table, CancellationToken cancellationToken) =>
        (await TableInfoAsync(table, cancellationToken))?.Indexes.Select(i => $"{i.Name}({string.Join(",", i.Columns)}){(i.Unique ? " unique" : "")}").Order(StringComparer.Ordinal).ToList() ?? [];

    private sealed record IndexInfo(string Name, IReadOnlyList<string> Columns, bool Unique);

    private sealed record TableInfo(IReadOnlyList<PgColumn> Columns, IReadOnlyList<string> PrimaryKey, IReadOnlyList<IndexInfo> Indexes);

    /// <summary>
    /// Columns (with types; generated columns left out, as the server computes them and refuses to be given them),
    /// primary key and the indexes created by CREATE INDEX (not those backing a primary
    /// key or unique constraint), in one round trip.
    /// </summary>
    private async Task<TableInfo?> TableInfoAsync(string table, CancellationToken cancellationToken)
    {
        const string Target = """
            WITH t AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = @schema AND c.relname = @table AND c.relkind IN ('r', 'p'))
            """;
        await using var command = Command(connection, $"""
            {Target}
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), ty.typname
            FROM pg_attribute a JOIN t ON a.attrelid = t.oid JOIN pg_type ty ON ty.oid = a.atttypid
            WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum;
            {Target}
            SELECT a.attname FROM pg_index i JOIN t ON i.indrelid = t.oid
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indisprimary ORDER BY k.ord;
            {Target}
            SELECT ic.relname, i.indisunique,
                   array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord)
            FROM pg_index i JOIN t ON i.indrelid = t.oid JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid)
            ORDER BY ic.relname COLLATE "C";
            """, ("schema", schema), ("table", table));
        await using var reader = await ReaderAsync(command, cancellationToken);
        var columns = new List<PgColumn>();
        while (await reader.ReadAsync(cancellationToken))
        {
            columns.Add(new PgColumn(reader.GetString(0), reader.GetString(1), PgColumn.KindOf(reader.GetString(2))));
        }

        await reader.NextResultAsync(cancellationToken);
        var primaryKey = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            primaryKey.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken);
        var indexes = new List<IndexInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            indexes.Add(new IndexInfo(reader.GetString(0), reader.GetFieldValue<string[]>(2), reader.GetBoolean(1)));
        }

        return columns.Count == 0 ? null : new TableInfo(columns, primaryKey, indexes);
    }

    private string Qualify(string name) => $"{Quote(schema)}.{Quote(name)}";

    private PostgresTableDdl Ddl => new(connection, schema);
}
