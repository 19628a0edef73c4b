using Microsoft.Data.Sqlite;

namespace Rewind.Sqlite;

/// <summary>Opens SQLite connections the way Rewind needs them: WAL, full durability, a bounded busy wait.</summary>
internal static class SqliteConnections
{
    /// <summary>How long to wait for another process's write lock before reporting the database busy.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    public static Task<SqliteConnection> OpenAsync(string path, CancellationToken cancellationToken) =>
        OpenAsync(path, BusyTimeout, cancellationToken);

    /// <summary>Opens with a chosen busy wait (a target's <c>busyTimeout</c>).</summary>
    public static async Task<SqliteConnection> OpenAsync(string path, TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,

            // The command timeout also bounds Microsoft.Data.Sqlite's own retries on SQLITE_BUSY; 0 would mean forever.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Quotes an identifier; names are validated at the edge as well, this keeps SQL safe regardless.</summary>
    /// <summary>A command on <paramref name="connection"/> with its parameters bound (null as SQL NULL).</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>True for SQLITE_BUSY / SQLITE_LOCKED: another process holds the database.</summary>
    public static bool IsBusy(SqliteException e) => e.SqliteErrorCode is 5 or 6;
}
