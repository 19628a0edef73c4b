using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Core.Targets;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>Row changes on SQLite: one prepared statement per row (in process, no round trip), addressed by a unique key, values converted as data copies convert them.</summary>
internal sealed class SqlitePlatformRows : IPlatformRows
{
    private readonly SqliteConnection _connection;
    private readonly string _table;
    private readonly string _file;

    private SqlitePlatformRows(SqliteConnection connection, string table, string file, IReadOnlyList<string> columns, IReadOnlyList<string> key, IReadOnlyList<string> primaryKey)
    {
        PrimaryKey = primaryKey;
        _connection = connection;
        _table = table;
        _file = file;
        Columns = columns;
        Key = key;
    }

    public IReadOnlyList<string> Key { get; }

    public IReadOnlyList<string> PrimaryKey { get; }

    public IReadOnlyList<string> Columns { get; }

    public static async Task<IPlatformRows> OpenAsync(SqliteConnection connection, string table, IReadOnlyList<string>? declared, string file, CancellationToken cancellationToken)
    {
        var columns = new List<(string Name, string Type, bool NotNull, long Pk)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, type, \"notnull\", pk FROM pragma_table_info($table) ORDER BY cid";
            command.Parameters.AddWithValue("$table", table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2) == 1, reader.GetInt64(3)));
            }
        }

        if (columns.Count == 0)
        {
            throw new BundleInvalidException(file, 0, $"table '{table}' does not exist on the target");
        }

        var primaryKey = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name).ToList();
        var key = (declared ?? primaryKey).Select(k => columns.FirstOrDefault(c => string.Equals(c.Name, k, StringComparison.OrdinalIgnoreCase)).Name
            ?? throw new BundleInvalidException(file, 0, $"the key column '{k}' is not a column of table '{table}'")).ToList();
        if (key.Count == 0)
        {
            throw new BundleInvalidException(file, 0, $"table '{table}' has no primary key: declare the unique key its rows are addressed by (platformTables: - name: {table}, key: [...])");
        }

        // SQLite lets a primary-key column other than a rowid alias hold NULL unless it says NOT NULL (a historical
        // quirk); a primary key is taken as it is meant, since a row change never addresses a NULL key. Any other
        // unique key must say NOT NULL.
        var isPrimaryKey = SameColumns(key, primaryKey);
        var unique = isPrimaryKey || await HasUniqueIndexAsync(connection, table, key, cancellationToken);
        if (!unique || !(isPrimaryKey || key.All(k => columns.Single(c => c.Name == k).NotNull)))
        {
            throw new BundleInvalidException(file, 0, $"the key ({string.Join(", ", key)}) of table '{table}' is not backed by a unique constraint or index whose columns are all NOT NULL, so a row change cannot address exactly one row");
        }

        return new SqlitePlatformRows(connection, table, file, columns.Select(c => c.Name).ToList(), key, primaryKey);
    }

    public async Task<IReadOnlyList<ColumnValue>?> ReadAsync(IReadOnlyList<ColumnValue> key, long line, CancellationToken cancellationToken = default)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", Columns.Select(Quote))} FROM {Quote(_table)} WHERE {Where(command, key, line)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = new List<ColumnValue>(Columns.Count);
        var buffer = new ArrayBufferWriter<byte>(64);
        for (var i = 0; i < Columns.Count; i++)
        {
            buffer.ResetWrittenCount();
            await using (var writer = new Utf8JsonWriter(buffer))
            {
                SqliteValues.Write(writer, reader, i, reader.GetValue(i));
            }

            row.Add(new ColumnValue(Columns[i], Encoding.UTF8.GetString(buffer.WrittenSpan)));
        }

        return row;
    }

    public async Task<bool> InsertAsync(IReadOnlyList<ColumnValue> row, long line, bool unlessConflict, CancellationToken cancellationToken = default)
    {
        await using var command = _connection.CreateCommand();
        var values = row.Select((v, i) => Value(command, $"$v{i}", v, line)).ToList();
        command.CommandText = $"INSERT INTO {Quote(_table)} ({string.Join(", ", row.Select(v => Quote(Column(v.Column, line))))}) VALUES ({string.Join(", ", values)})" +
            (unlessConflict ? " ON CONFLICT DO NOTHING" : "");
        return await ExecuteAsync(command, line, cancellationToken) > 0;
    }

    private async Task UpdateAsync(IReadOnlyList<ColumnValue> key, IReadOnlyList<ColumnValue> values, long line, CancellationToken cancellationToken = default)
    {
        await using var command = _connection.CreateCommand();
        var set = string.Join(", ", values.Select((v, i) => $"{Quote(Column(v.Column, line))} = {Value(command, $"$s{i}", v, line)}"));
        command.CommandText = $"UPDATE {Quote(_table)} SET {set} WHERE {Where(command, key, line)}";
        await ExecuteAsync(command, line, cancellationToken);
    }

    private async Task DeleteAsync(IReadOnlyList<ColumnValue> key, long line, CancellationToken cancellationToken = default)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = $"DELETE FROM {Quote(_table)} WHERE {Where(command, key, line)}";
        await ExecuteAsync(command, line, cancellationToken);
    }

    // In process, a statement costs no round trip: a batch is the single-row statements stepped in a loop, the
    // engine's own fastest path.
    // A writing session holds SQLite's write lock from its first statement: no one else writes meanwhile.
    public async Task<IReadOnlyList<IReadOnlyList<ColumnValue>?>> ReadManyAsync(IReadOnlyList<RowAddress> addresses, bool lockRows = false, CancellationToken cancellationToken = default)
    {
        var rows = new IReadOnlyList<ColumnValue>?[addresses.Count];
        for (var i = 0; i < addresses.Count; i++)
        {
            rows[i] = await ReadAsync(addresses[i].Key, addresses[i].Line, cancellationToken);
        }

        return rows;
    }

    public async Task<IReadOnlyList<bool>> WriteManyAsync(IReadOnlyList<RowWrite> writes, CancellationToken cancellationToken = default)
    {
        var wrote = new bool[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            switch (write.Kind)
            {
                case RowWriteKind.Insert or RowWriteKind.InsertUnlessConflict:
                    wrote[i] = await InsertAsync(write.Values, write.Line, write.Kind == RowWriteKind.InsertUnlessConflict, cancellationToken);
                    break;
                case RowWriteKind.Update:
                    await UpdateAsync(write.Key, write.Values, write.Line, cancellationToken);
                    wrote[i] = true;
                    break;
                default:
                    await DeleteAsync(write.Key, write.Line, cancellationToken);
                    wrote[i] = true;
                    break;
            }
        }

        return wrote;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<int> ExecuteAsync(SqliteCommand command, long line, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new BundleInvalidException(_file, line, $"the row violates a constraint of table '{_table}': {e.Message}");
        }
    }

    private string Where(SqliteCommand command, IReadOnlyList<ColumnValue> key, long line) =>
        string.Join(" AND ", key.Select((k, i) => $"{Quote(Column(k.Column, line))} = {Value(command, $"$k{i}", k, line)}"));

    /// <summary>Binds one JSON value as a parameter; returns the expression that reads it (text given as bytes is cast, keeping its bytes).</summary>
    private string Value(SqliteCommand command, string name, ColumnValue value, long line)
    {
        var bytes = Encoding.UTF8.GetBytes(value.Json);
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        var db = SqliteValues.ToDb(ref reader, bytes, _file, line, value.Column);
        if (db is SqliteValues.TextBytes text)
        {
            command.Parameters.AddWithValue(name, text.Bytes);
            return $"CAST({name} AS TEXT)";
        }

        command.Parameters.AddWithValue(name, db);
        return name;
    }

    private string Column(string column, long line) =>
        Columns.FirstOrDefault(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase))
        ?? throw new BundleInvalidException(_file, line, $"'{column}' is not a column of table '{_table}' (its columns: {string.Join(", ", Columns)})");

    private static bool SameColumns(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.All(x => b.Contains(x, StringComparer.OrdinalIgnoreCase));

    private static async Task<bool> HasUniqueIndexAsync(SqliteConnection connection, string table, IReadOnlyList<string> key, CancellationToken cancellationToken)
    {
        var indexes = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM pragma_index_list($table) WHERE \"unique\" = 1 AND partial = 0";
            command.Parameters.AddWithValue("$table", table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add(reader.GetString(0));
            }
        }

        foreach (var index in indexes)
        {
            var columns = new List<string>();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM pragma_index_info($index)";
            command.Parameters.AddWithValue("$index", index);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
            }

            if (SameColumns(columns, key))
            {
                return true;
            }
        }

        return false;
    }
}
