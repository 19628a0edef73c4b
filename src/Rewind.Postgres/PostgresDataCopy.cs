using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Rewind.Core;
using Rewind.Core.Bundles;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// A data copy on PostgreSQL: the rows are staged as text by binary COPY and cast into the table by one
/// INSERT … SELECT, so any column type works and the round trips do not grow with the rows.
/// </summary>
internal sealed class PostgresDataCopy(NpgsqlConnection connection, string qualified, string table, string file, IReadOnlyList<PgColumn> columns)
{
    private const string RowStage = "pg_temp.rw_stage_rows";

    /// <summary>Deletes every row of the table and inserts <paramref name="rows"/>, naming the failing line on bad input.</summary>
    public async Task ReplaceAsync(IAsyncEnumerable<DataRow> rows, CancellationToken cancellationToken)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var folded = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < columns.Count; i++)
        {
            index[columns[i].Name] = i;
            folded.TryAdd(columns[i].Name, i);
        }

        // Rows are staged as text and cast into the table by one INSERT … SELECT, so any column type works.
        var stageColumns = string.Join("", columns.Select((_, i) => $", c{i} text"));
        await ExecuteAsync(connection, $"""
            DELETE FROM {qualified};
            DROP TABLE IF EXISTS {RowStage};
            CREATE TEMP TABLE rw_stage_rows (line bigint NOT NULL{stageColumns}) ON COMMIT DROP;
            """, cancellationToken);

        var values = new string?[columns.Count];
        RoundTrips.Add();
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY {RowStage} (line{string.Join("", columns.Select((_, i) => $", c{i}"))}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                Array.Clear(values);
                Stage(row, table, file, columns, index, folded, values);
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(row.Line, NpgsqlDbType.Bigint, cancellationToken);
                foreach (var value in values)
                {
                    if (value is null)
                    {
                        await copy.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
                    }
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }

        var casts = string.Join(", ", columns.Select((c, i) => c.IsPlainText ? $"c{i}" : $"c{i}::{c.SqlType}"));
        var insert = $"INSERT INTO {qualified} ({string.Join(", ", columns.Select(c => Quote(c.Name)))}) SELECT {casts} FROM {RowStage}";
        try
        {
            // The savepoint lets a failure be diagnosed row by row without losing the transaction.
            await ExecuteAsync(connection, $"SAVEPOINT rw_copy; {insert} ORDER BY line; RELEASE SAVEPOINT rw_copy", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal))
        {
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT rw_copy", cancellationToken);
            var (line, problem) = await FindFailingLineAsync(insert, e, cancellationToken);
            throw new BundleInvalidException(file, line, e.SqlState.StartsWith("23", StringComparison.Ordinal)
                ? $"the row violates a constraint of table '{table}': {problem}"
                : $"a value does not fit table '{table}': {problem}");
        }
    }

    private static void Stage(DataRow row, string table, string file, IReadOnlyList<PgColumn> columns, Dictionary<string, int> index, Dictionary<string, int> folded, string?[] values)
    {
        var span = row.Json.Span;
        var reader = new Utf8JsonReader(span);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var column = reader.GetString()!;
            if (!index.TryGetValue(column, out var i) && !folded.TryGetValue(column, out i))
            {
                throw new BundleInvalidException(file, row.Line, $"'{column}' is not a column of table '{table}' (its columns: {string.Join(", ", columns.Select(c => c.Name))})");
            }

            reader.Read();
            values[i] = PostgresValues.ToText(ref reader, span, columns[i], table, file, row.Line);
        }
    }

    /// <summary>
    /// The set-based insert failed: find the first line whose prefix fails, by bisection under a savepoint
    /// (a prefix that fails stays failing as it grows), so the error names the row like the SQLite adapter does.
    /// </summary>
    private async Task<(long Line, string Problem)> FindFailingLineAsync(string insert, PostgresException first, CancellationToken cancellationToken)
    {
        await using var range = Command(connection, $"SELECT min(line), max(line) FROM {RowStage}");
        long low, high;
        await using (var reader = await ReaderAsync(range, cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            low = reader.GetInt64(0);
            high = reader.GetInt64(1);
        }

        var problem = first.MessageText;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            try
            {
                await ExecuteAsync(connection, insert + " WHERE line <= @line ORDER BY line", cancellationToken, ("line", middle));
                low = middle + 1;
            }
            catch (PostgresException e)
            {
                high = middle;
                problem = e.MessageText;
            }

            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT rw_copy", cancellationToken);
        }

        return (low, problem);
    }
}
