using Npgsql;
using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>Rewind's own tables on PostgreSQL: Core's store port, bound the Npgsql way (<c>@name</c>, times as timestamptz), each command counted.</summary>
internal sealed class PostgresStoreDatabase(string connectionString) : IStoreDatabase
{
    public async Task<IStoreConnection> OpenAsync(CancellationToken cancellationToken) =>
        new PostgresStoreConnection(await PgSql.OpenAsync(connectionString, cancellationToken));

    public string Describe() => PgSql.Describe(connectionString, schema: null);
}

internal sealed class PostgresStoreConnection(NpgsqlConnection connection) : IStoreConnection
{
    private NpgsqlTransaction? _transaction;

    /// <summary>
    /// A transaction, and with a key a transaction-scoped advisory lock on it: released at commit or rollback, and
    /// with the session if this process dies.
    /// </summary>
    public async Task BeginWriteAsync(string? serialiseOn, CancellationToken cancellationToken)
    {
        _transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (serialiseOn is not null)
        {
            await PgSql.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", cancellationToken, ("key", serialiseOn));
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        RoundTrips.Add();
        await _transaction!.CommitAsync(cancellationToken);
        await EndAsync();
    }

    public async Task RollbackAsync(CancellationToken cancellationToken)
    {
        RoundTrips.Add();
        await _transaction!.RollbackAsync(cancellationToken);
        await EndAsync();
    }

    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        PgSql.ExecuteAsync(connection, sql, cancellationToken, Bind(parameters));

    public Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        PgSql.ScalarAsync(connection, sql, cancellationToken, Bind(parameters));

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<IStoreRow, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = PgSql.Command(connection, sql, Bind(parameters));
        await using var reader = await PgSql.ReaderAsync(command, cancellationToken);
        var row = new Row(reader);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(row));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await EndAsync();
        await connection.DisposeAsync();
    }

    private async Task EndAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
            _transaction = null;
        }
    }

    private static (string, object?)[] Bind((string Name, object? Value)[] parameters) =>
        [.. parameters.Select(p => (p.Name, p.Value is DateTimeOffset time ? time.ToUniversalTime() : p.Value))];

    private sealed class Row(NpgsqlDataReader reader) : IStoreRow
    {
        public string Text(int ordinal) => reader.GetString(ordinal);

        public string? TextOrNull(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

        public long Integer(int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

        public bool Flag(int ordinal) => reader.GetBoolean(ordinal);

        public DateTimeOffset Time(int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

        public DateTimeOffset? TimeOrNull(int ordinal) => reader.IsDBNull(ordinal) ? null : Time(ordinal);
    }
}
