using System.Buffers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>Row changes on PostgreSQL, addressed by a unique key: a batch reads with one statement joined against its keys and writes in one round trip; values go as text cast to the column's type, as data copies send them.</summary>
internal sealed class PostgresPlatformRows : IPlatformRows
{
    private const string Catalog = """
        WITH t AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = @schema AND c.relname = @table AND c.relkind IN ('r', 'p'))
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), ty.typname, a.attnotnull
        FROM pg_attribute a JOIN t ON a.attrelid = t.oid JOIN pg_type ty ON ty.oid = a.atttypid
        WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum;
        WITH t AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = @schema AND c.relname = @table AND c.relkind IN ('r', 'p'))
        SELECT i.indisprimary, array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) AS k(attnum)
                                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)
        FROM pg_index i JOIN t ON i.indrelid = t.oid
        WHERE i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL;
        """;

    private readonly NpgsqlConnection _connection;
    private readonly string _qualified;
    private readonly string _table;
    private readonly string _file;
    private readonly IReadOnlyList<PgColumn> _columns;

    private PostgresPlatformRows(NpgsqlConnection connection, string schema, string table, string file, IReadOnlyList<PgColumn> columns, IReadOnlyList<string> key, IReadOnlyList<string> primaryKey)
    {
        PrimaryKey = primaryKey;
        _connection = connection;
        _qualified = $"{Quote(schema)}.{Quote(table)}";
        _table = table;
        _file = file;
        _columns = columns;
        Columns = columns.Select(c => c.Name).ToList();
        Key = key;
    }

    public IReadOnlyList<string> Key { get; }

    public IReadOnlyList<string> PrimaryKey { get; }

    public IReadOnlyList<string> Columns { get; }

    public static async Task<IPlatformRows> OpenAsync(NpgsqlConnection connection, string schema, string table, IReadOnlyList<string>? declared, string file, CancellationToken cancellationToken)
    {
        var columns = new List<(PgColumn Column, bool NotNull)>();
        var unique = new List<(bool Primary, string[] Columns)>();
        await using (var command = Command(connection, Catalog, ("schema", schema), ("table", table)))
        {
            RoundTrips.Add();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add((new PgColumn(reader.GetString(0), reader.GetString(1), PgColumn.KindOf(reader.GetString(2))), reader.GetBoolean(3)));
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                unique.Add((reader.GetBoolean(0), reader.GetFieldValue<string[]>(1)));
            }
        }

        if (columns.Count == 0)
        {
            throw new BundleInvalidException(file, 0, $"table '{table}' does not exist on the target");
        }

        var primaryKey = unique.FirstOrDefault(u => u.Primary).Columns ?? [];
        var key = (declared ?? primaryKey).Select(k => columns.FirstOrDefault(c => c.Column.Name == k).Column?.Name
            ?? throw new BundleInvalidException(file, 0, $"the key column '{k}' is not a column of table '{table}'")).ToList();
        if (key.Count == 0)
        {
            throw new BundleInvalidException(file, 0, $"table '{table}' has no primary key: declare the unique key its rows are addressed by (platformTables: - name: {table}, key: [...])");
        }

        var backed = unique.Any(u => u.Columns.Length == key.Count && u.Columns.All(key.Contains));
        if (!backed || !key.All(k => columns.Single(c => c.Column.Name == k).NotNull))
        {
            throw new BundleInvalidException(file, 0, $"the key ({string.Join(", ", key)}) of table '{table}' is not backed by a unique constraint or index whose columns are all NOT NULL, so a row change cannot address exactly one row");
        }

        return new PostgresPlatformRows(connection, schema, table, file, columns.Select(c => c.Column).ToList(), key, primaryKey);
    }

    public async Task<IReadOnlyList<ColumnValue>?> ReadAsync(IReadOnlyList<ColumnValue> key, long line, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand { Connection = _connection };
        command.CommandText = $"SELECT {string.Join(", ", _columns.Select(c => c.ReadExpression))} FROM {_qualified} WHERE {Where(command.Parameters, key, line)}";
        RoundTrips.Add();
        await using var reader = await ExecuteReaderAsync(command, line, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRow(reader, offset: 0) : null;
    }

    public async Task<bool> InsertAsync(IReadOnlyList<ColumnValue> row, long line, bool unlessConflict, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand { Connection = _connection };
        command.CommandText = InsertSql(command.Parameters, row, line, unlessConflict);
        return await ExecuteAsync(command, line, cancellationToken) > 0;
    }

    /// <summary>One statement: the batch's keys travel as text arrays, unnested with their ordinal and joined against the table.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<ColumnValue>?>> ReadManyAsync(IReadOnlyList<RowAddress> addresses, bool lockRows = false, CancellationToken cancellationToken = default)
    {
        var rows = new IReadOnlyList<ColumnValue>?[addresses.Count];
        if (addresses.Count == 0)
        {
            return rows;
        }

        var key = Key.Select(k => Column(k, 0)).ToList();
        var texts = key.Select(_ => new string?[addresses.Count]).ToList();
        for (var i = 0; i < addresses.Count; i++)
        {
            foreach (var value in addresses[i].Key)
            {
                var column = key.FindIndex(c => c.Name == Column(value.Column, addresses[i].Line).Name);
                texts[column][i] = Text(value, addresses[i].Line);
            }
        }

        await using var command = new NpgsqlCommand { Connection = _connection };
        for (var k = 0; k < key.Count; k++)
        {
            command.Parameters.Add(new NpgsqlParameter($"k{k}", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = texts[k] });
        }

        var staged = string.Join(", ", key.Select((_, k) => $"\"rw$k{k}\""));
        var join = string.Join(" AND ", key.Select((c, k) => $"{Quote(c.Name)} = " + (c.IsPlainText ? $"\"rw$k{k}\"" : $"\"rw$k{k}\"::{c.SqlType}")));
        command.CommandText = $"SELECT \"rw$ord\", {string.Join(", ", _columns.Select(c => c.ReadExpression))} " +
            $"FROM unnest({string.Join(", ", key.Select((_, k) => $"@k{k}"))}) WITH ORDINALITY AS s({staged}, \"rw$ord\") JOIN {_qualified} AS \"rw$t\" ON {join}" +
            (lockRows ? " FOR UPDATE OF \"rw$t\"" : "");
        RoundTrips.Add();
        NpgsqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (PostgresException e) when (IsDataError(e))
        {
            throw new BundleInvalidException(_file, addresses[0].Line, $"a key value of the lines {addresses[0].Line}-{addresses[^1].Line} does not fit its column in table '{_table}': {e.MessageText}");
        }

        await using var _ = reader;
        while (await reader.ReadAsync(cancellationToken))
        {
            rows[reader.GetInt64(0) - 1] = ReadRow(reader, offset: 1);
        }

        return rows;
    }

    /// <summary>The writes as one batch: one round trip, each statement an index lookup on the server.</summary>
    public async Task<IReadOnlyList<bool>> WriteManyAsync(IReadOnlyList<RowWrite> writes, CancellationToken cancellationToken = default)
    {
        var wrote = new bool[writes.Count];
        if (writes.Count == 0)
        {
            return wrote;
        }

        await using var batch = new NpgsqlBatch(_connection);
        foreach (var write in writes)
        {
            var command = new NpgsqlBatchCommand();
            command.CommandText = write.Kind switch
            {
                RowWriteKind.Insert or RowWriteKind.InsertUnlessConflict => InsertSql(command.Parameters, write.Values, write.Line, write.Kind == RowWriteKind.InsertUnlessConflict),
                RowWriteKind.Update => UpdateSql(command.Parameters, write.Key, write.Values, write.Line),
                _ => $"DELETE FROM {_qualified} WHERE {Where(command.Parameters, write.Key, write.Line)}",
            };
            batch.BatchCommands.Add(command);
        }

        try
        {
            RoundTrips.Add();
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.BatchCommand is { } failed && IsDataError(e))
        {
            throw Refusal(e, writes[batch.BatchCommands.IndexOf(failed)].Line);
        }

        for (var i = 0; i < writes.Count; i++)
        {
            wrote[i] = batch.BatchCommands[i].RecordsAffected > 0 || writes[i].Kind != RowWriteKind.InsertUnlessConflict;
        }

        return wrote;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<int> ExecuteAsync(NpgsqlCommand command, long line, CancellationToken cancellationToken)
    {
        try
        {
            RoundTrips.Add();
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (IsDataError(e))
        {
            throw Refusal(e, line);
        }
    }

    private async Task<NpgsqlDataReader> ExecuteReaderAsync(NpgsqlCommand command, long line, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (PostgresException e) when (IsDataError(e))
        {
            throw Refusal(e, line);
        }
    }

    private static bool IsDataError(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal);

    private BundleInvalidException Refusal(PostgresException e, long line) =>
        new(_file, line, e.SqlState.StartsWith("23", StringComparison.Ordinal)
            ? $"the row violates a constraint of table '{_table}': {e.MessageText}"
            : $"a value does not fit its column in table '{_table}': {e.MessageText}");

    private List<ColumnValue> ReadRow(NpgsqlDataReader reader, int offset)
    {
        var row = new List<ColumnValue>(_columns.Count);
        var buffer = new ArrayBufferWriter<byte>(64);
        for (var i = 0; i < _columns.Count; i++)
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                PostgresValues.Write(writer, _columns[i], reader.GetValue(i + offset));
            }

            row.Add(new ColumnValue(_columns[i].Name, Encoding.UTF8.GetString(buffer.WrittenSpan)));
        }

        return row;
    }

    private string InsertSql(NpgsqlParameterCollection parameters, IReadOnlyList<ColumnValue> row, long line, bool unlessConflict)
    {
        var values = row.Select((v, i) => Value(parameters, $"v{i}", v, line)).ToList();
        return $"INSERT INTO {_qualified} ({string.Join(", ", row.Select(v => Quote(Column(v.Column, line).Name)))}) VALUES ({string.Join(", ", values)})" +
            (unlessConflict ? " ON CONFLICT DO NOTHING" : "");
    }

    private string UpdateSql(NpgsqlParameterCollection parameters, IReadOnlyList<ColumnValue> key, IReadOnlyList<ColumnValue> values, long line)
    {
        var set = string.Join(", ", values.Select((v, i) => $"{Quote(Column(v.Column, line).Name)} = {Value(parameters, $"s{i}", v, line)}"));
        return $"UPDATE {_qualified} SET {set} WHERE {Where(parameters, key, line)}";
    }

    private string Where(NpgsqlParameterCollection parameters, IReadOnlyList<ColumnValue> key, long line) =>
        string.Join(" AND ", key.Select((k, i) => $"{Quote(Column(k.Column, line).Name)} = {Value(parameters, $"k{i}", k, line)}"));

    /// <summary>Binds one JSON value as a text parameter; returns the expression that casts it to the column's type.</summary>
    private string Value(NpgsqlParameterCollection parameters, string name, ColumnValue value, long line)
    {
        var column = Column(value.Column, line);
        parameters.Add(new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)Text(value, line) ?? DBNull.Value });
        return column.IsPlainText ? $"@{name}" : $"@{name}::{column.SqlType}";
    }

    /// <summary>The text the server casts into the value's column.</summary>
    private string? Text(ColumnValue value, long line)
    {
        var bytes = Encoding.UTF8.GetBytes(value.Json);
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        return PostgresValues.ToText(ref reader, bytes, Column(value.Column, line), _table, _file, line);
    }

    private PgColumn Column(string column, long line) =>
        _columns.FirstOrDefault(c => c.Name == column)
        ?? _columns.FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase))
        ?? throw new BundleInvalidException(_file, line, $"'{column}' is not a column of table '{_table}' (its columns: {string.Join(", ", Columns)})");
}
