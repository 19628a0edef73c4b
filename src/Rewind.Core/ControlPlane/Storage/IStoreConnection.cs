namespace Rewind.Core.ControlPlane.Storage;

/// <summary>
/// One connection to the database that holds Rewind's own tables (ledger, locks, train, audit, tokens). Core writes
/// the algorithms over it; an adapter only binds parameters, reads columns and supplies the SQL text. Parameter
/// names are given without the engine's prefix; values are text, whole numbers, times or null.
/// </summary>
public interface IStoreConnection : IAsyncDisposable
{
    /// <summary>
    /// Begins a write transaction in which writers sharing <paramref name="serialiseOn"/> run one at a time
    /// (SQLite: <c>BEGIN IMMEDIATE</c>, one writer at all; PostgreSQL: a transaction-scoped advisory lock on the key).
    /// Without a key it is a plain transaction.
    /// </summary>
    Task BeginWriteAsync(string? serialiseOn, CancellationToken cancellationToken);

    Task CommitAsync(CancellationToken cancellationToken);

    Task RollbackAsync(CancellationToken cancellationToken);

    /// <summary>Runs a statement and returns the number of rows it changed.</summary>
    Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters);

    /// <summary>The first column of the first row, or null (SQL NULL or no row).</summary>
    Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters);

    Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<IStoreRow, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters);
}

/// <summary>One row of a query, read by column position; the adapter knows how its engine stores each kind.</summary>
public interface IStoreRow
{
    string Text(int ordinal);

    string? TextOrNull(int ordinal);

    long Integer(int ordinal);

    bool Flag(int ordinal);

    DateTimeOffset Time(int ordinal);

    DateTimeOffset? TimeOrNull(int ordinal);
}

/// <summary>Opens connections to one store.</summary>
public interface IStoreDatabase
{
    Task<IStoreConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The store for messages, never including a password.</summary>
    string Describe();
}
