using Npgsql;
using Rewind.Core;

namespace Rewind.Postgres;

/// <summary>
/// Small helpers every PostgreSQL adapter uses: identifier quoting (the one place it is done), commands that
/// count their round trips, and the translation of a lock timeout into a "busy" refusal.
/// </summary>
internal static class PgSql
{
    /// <summary>How long to wait for another session's lock on a target before reporting it busy.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>SQLSTATE 55P03: lock_timeout expired while waiting for a lock.</summary>
    public const string LockNotAvailable = "55P03";

    /// <summary>Quotes an identifier; names are validated at the edge as well, this keeps SQL safe regardless.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync();
            // Named by host, port and database: the connection string may carry a password.
            var where = new NpgsqlConnectionStringBuilder(connectionString);
            throw new Rewind.Core.Targets.DatabaseUnreachableException($"PostgreSQL at {where.Host}:{where.Port}, database {where.Database ?? where.Username}", e.Message, e);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        RoundTrips.Add();
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        RoundTrips.Add();
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    public static Task<NpgsqlDataReader> ReaderAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        RoundTrips.Add();
        return command.ExecuteReaderAsync(cancellationToken);
    }

    /// <summary>A description of a connection for messages: server, database and schema, never the password.</summary>
    public static string Describe(string connectionString, string? schema)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            var text = $"postgres:{builder.Host}:{builder.Port}/{builder.Database}";
            return schema is null ? text : $"{text} (schema {schema})";
        }
        catch (ArgumentException)
        {
            return "postgres:(unparsable connection string)";
        }
    }

    public static bool IsBusy(Exception e) => e is PostgresException { SqlState: LockNotAvailable };

    public static RefusedException Busy(string description) => Busy(description, BusyTimeout);

    public static RefusedException Busy(string description, TimeSpan waited) =>
        new("database-busy", $"the target database {description} is locked by another session and stayed locked for {waited.TotalSeconds:0.#}s; nothing was changed. Find the session holding it (pg_stat_activity) and run the command again.");
}

/// <summary>
/// Counts the commands this adapter sends to the server, per async flow, so a test can assert that bulk work
/// takes a number of round trips that does not grow with the number of records.
/// </summary>
internal static class RoundTrips
{
    private static readonly AsyncLocal<Counter?> Current = new();

    /// <summary>Starts counting for the calling flow (and everything it awaits).</summary>
    public static Counter Start()
    {
        var counter = new Counter();
        Current.Value = counter;
        return counter;
    }

    public static void Add()
    {
        if (Current.Value is { } counter)
        {
            Interlocked.Increment(ref counter.Value);
        }
    }

    internal sealed class Counter
    {
#pragma warning disable CA1051 // a field, so Interlocked can increment it
        public long Value;
#pragma warning restore CA1051
    }
}
