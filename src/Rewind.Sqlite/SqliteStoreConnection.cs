using System.Globalization;
using Microsoft.Data.Sqlite;
using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Sqlite;

/// <summary>Rewind's own tables in a SQLite file: Core's store port, bound the SQLite way (<c>$name</c>, times as ISO-8601 text).</summary>
internal sealed class SqliteStoreDatabase(string path) : IStoreDatabase
{
    public async Task<IStoreConnection> OpenAsync(CancellationToken cancellationToken) =>
        new SqliteStoreConnection(await SqliteConnections.OpenAsync(path, cancellationToken));

    public string Describe() => "sqlite:" + path;
}

internal sealed class SqliteStoreConnection(SqliteConnection connection) : IStoreConnection
{
    /// <summary>SQLite has one writer, so <c>BEGIN IMMEDIATE</c> serialises every writer whatever the key.</summary>
    public Task BeginWriteAsync(string? serialiseOn, CancellationToken cancellationToken) =>
        SqliteConnections.ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);

    public Task CommitAsync(CancellationToken cancellationToken) => SqliteConnections.ExecuteAsync(connection, "COMMIT", cancellationToken);

    public Task RollbackAsync(CancellationToken cancellationToken) => SqliteConnections.ExecuteAsync(connection, "ROLLBACK", cancellationToken);

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<IStoreRow, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var row = new Row(reader);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(row));
        }

        return rows;
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters) =>
        SqliteConnections.Command(connection, sql, [.. parameters.Select(p => ("$" + p.Name, Bind(p.Value)))]);

    private static object? Bind(object? value) => value is DateTimeOffset time ? time.ToString("O", CultureInfo.InvariantCulture) : value;

    private sealed class Row(SqliteDataReader reader) : IStoreRow
    {
        public string Text(int ordinal) => reader.GetString(ordinal);

        public string? TextOrNull(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

        public long Integer(int ordinal) => reader.GetInt64(ordinal);

        public bool Flag(int ordinal) => reader.GetInt64(ordinal) != 0;

        public DateTimeOffset Time(int ordinal) => DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public DateTimeOffset? TimeOrNull(int ordinal) => reader.IsDBNull(ordinal) ? null : Time(ordinal);
    }
}
