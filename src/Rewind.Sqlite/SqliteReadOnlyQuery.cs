using Microsoft.Data.Sqlite;
using Rewind.Core.Verification;
using SQLitePCL;

namespace Rewind.Sqlite;

/// <summary>
/// Runs a <c>sql:</c> check on a SQLite target so that it can only read: a read-only connection, a transaction
/// rolled back afterwards, exactly one statement, which SQLite must report read-only (VACUUM INTO writes another
/// file from a read-only connection), and an authorizer that allows reading and nothing else (ATTACH, COMMIT,
/// PRAGMA assignments and the like are denied while the statement is prepared).
/// </summary>
internal static class SqliteReadOnlyQuery
{
    private const int Ok = 0;
    private const int Deny = 1;

    // Authorizer action codes that only read (sqlite3.h): PRAGMA (reads only: the connection is read-only), READ,
    // SELECT, FUNCTION, RECURSIVE.
    private static readonly HashSet<int> Reading = [19, 20, 21, 31, 33];

    public static async Task<object?> EvaluateAsync(string path, string sql, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        await SqliteConnections.ExecuteAsync(connection, "BEGIN", cancellationToken);
        var denied = new List<string>();
        raw.sqlite3_set_authorizer(connection.Handle, (_, action, first, _, _, _) =>
        {
            if (Reading.Contains(action))
            {
                return Ok;
            }

            denied.Add($"{ActionName(action)}{(first is null ? "" : " " + first)}");
            return Deny;
        }, null);
        try
        {
            Refuse(connection, sql, denied);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (SqliteException e) when (denied.Count > 0)
        {
            throw NotReadOnly($"it tried to {denied[0]}", e);
        }
        finally
        {
            raw.sqlite3_set_authorizer(connection.Handle, (strdelegate_authorizer?)null, null);
            await SqliteConnections.ExecuteAsync(connection, "ROLLBACK", CancellationToken.None);
        }
    }

    /// <summary>Prepares the check (without running it) and refuses anything but one read-only statement.</summary>
    private static void Refuse(SqliteConnection connection, string sql, List<string> denied)
    {
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement, out var tail);
        using (statement)
        {
            if (rc != Ok)
            {
                throw denied.Count > 0
                    ? NotReadOnly($"it tried to {denied[0]}")
                    : new InvalidOperationException($"SQLite cannot prepare it: {raw.sqlite3_errmsg(db).utf8_to_string()}");
            }

            if (statement is null || statement.IsInvalid)
            {
                throw new InvalidOperationException("it holds no statement");
            }

            if (raw.sqlite3_stmt_readonly(statement) == 0)
            {
                throw NotReadOnly("SQLite reports that the statement writes");
            }
        }

        if (!string.IsNullOrWhiteSpace(tail))
        {
            var more = raw.sqlite3_prepare_v2(db, tail, out var next, out _);
            using (next)
            {
                if (more != Ok || next is { IsInvalid: false })
                {
                    throw NotReadOnly("it holds more than one statement; a check is one SELECT");
                }
            }
        }
    }

    private static CheckNotReadOnlyException NotReadOnly(string why, Exception? inner = null) =>
        new($"refused: a sql: check may only read the target, and {why}; nothing was changed", inner);

    private static string ActionName(int action) => action switch
    {
        1 or 2 or 3 or 4 or 5 or 6 or 7 or 8 or 10 or 11 or 12 or 13 or 14 or 15 or 16 or 17 => "change the schema",
        9 => "delete rows",
        18 => "insert rows",
        22 => "control the transaction",
        23 => "update rows",
        24 => "attach a database",
        25 => "detach a database",
        26 => "alter a table",
        27 => "reindex",
        28 => "analyze",
        29 or 30 => "change a virtual table",
        32 => "use a savepoint",
        _ => $"do something other than read (action {action})",
    };
}
