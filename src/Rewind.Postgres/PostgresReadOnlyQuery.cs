using System.Text.RegularExpressions;
using Npgsql;
using Rewind.Core.Verification;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// Runs a <c>sql:</c> check on a PostgreSQL target so that it can only read: a connection whose transactions are
/// read-only by default, inside a READ ONLY transaction that is rolled back, exactly one statement (sent as one
/// batch command, so <c>COMMIT; DELETE …</c> cannot end the read-only transaction and write in the next one),
/// and no transaction control.
/// </summary>
internal static partial class PostgresReadOnlyQuery
{
    /// <summary>SQLSTATE 25006: a write in a read-only transaction.</summary>
    private const string ReadOnlyTransaction = "25006";

    [GeneratedRegex(@"^\s*(COMMIT|END|ROLLBACK|ABORT|BEGIN|START|SAVEPOINT|RELEASE|PREPARE|SET|RESET|DISCARD|CALL|DO|COPY|LOCK|LISTEN|NOTIFY|VACUUM)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotAQuery();

    public static async Task<object?> EvaluateAsync(string connectionString, string schema, string sql, CancellationToken cancellationToken)
    {
        if (NotAQuery().Match(sql) is { Success: true } match)
        {
            throw NotReadOnly($"it starts with {match.Groups[1].Value.ToUpperInvariant()}, which is not a query");
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c default_transaction_read_only=on".Trim();
        await using var connection = await OpenAsync(builder.ConnectionString, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SET TRANSACTION READ ONLY; SET LOCAL search_path TO {Quote(schema)}", cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { new NpgsqlBatchCommand(sql) } };
            RoundTrips.Add();
            var value = await batch.ExecuteScalarAsync(cancellationToken);
            return value is DBNull ? null : value;
        }
        catch (PostgresException e) when (e.SqlState == ReadOnlyTransaction)
        {
            throw NotReadOnly($"it tried to write ({e.MessageText})", e);
        }
        catch (PostgresException e) when (e.SqlState == "42601" && e.MessageText.Contains("multiple commands", StringComparison.Ordinal))
        {
            throw NotReadOnly("it holds more than one statement; a check is one SELECT", e);
        }
        catch (NotSupportedException e)
        {
            throw NotReadOnly("it holds more than one statement; a check is one SELECT", e);
        }
        finally
        {
            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The transaction is already over; it was read-only, so it changed nothing.
            }
        }
    }

    private static CheckNotReadOnlyException NotReadOnly(string why, Exception? inner = null) =>
        new($"refused: a sql: check may only read the target, and {why}; nothing was changed", inner);
}
