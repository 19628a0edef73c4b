using System.Globalization;
using Microsoft.Data.Sqlite;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;
using static Rewind.Sqlite.SqliteConnections;

namespace Rewind.Sqlite;

/// <summary>
/// Business-table impact on SQLite, which keeps no change counters: inserts are rows whose rowid is above the
/// highest at deploy time, deletes follow from the row counts, and updates (and the names of changed rows)
/// need the table's change-timestamp column. Every read is read-only: business tables are never written.
/// </summary>
public sealed partial class SqliteTargetStore
{
    public async Task<TableBaseline?> MeasureAsync(BusinessTable table, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var connection = await OpenReadOnlyAsync(cancellationToken);
        if (!await ExistsAsync(connection, table.Name, cancellationToken))
        {
            return null;
        }

        var rows = await CountAsync(connection, $"SELECT count(*) FROM {Quote(table.Name)}", cancellationToken);
        long? maxRowId = await HasRowIdAsync(connection, table.Name, cancellationToken)
            ? await CountAsync(connection, $"SELECT coalesce(max(rowid), 0) FROM {Quote(table.Name)}", cancellationToken)
            : null;
        return new TableBaseline(table.Name, at, rows, maxRowId, null, null, null);
    }

    public async Task<BusinessImpact> ImpactAsync(BusinessTable table, TableBaseline baseline, int rowLimit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadOnlyAsync(cancellationToken);
        var quoted = Quote(table.Name);
        var now = await CountAsync(connection, $"SELECT count(*) FROM {quoted}", cancellationToken);
        var changed = table.ChangedAt is { } column
            ? $"(CASE typeof({Quote(column)}) WHEN 'integer' THEN {Quote(column)} >= $epoch WHEN 'real' THEN {Quote(column)} >= $epoch ELSE julianday({Quote(column)}) >= julianday($since) END)"
            : null;
        var parameters = new (string, object)[]
        {
            ("$max", baseline.MaxRowId ?? 0),
            ("$since", baseline.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
            ("$epoch", baseline.At.ToUnixTimeSeconds()),
        };
        long? inserted = baseline.MaxRowId is null ? null : await CountAsync(connection, $"SELECT count(*) FROM {quoted} WHERE rowid > $max", cancellationToken, parameters);
        long? deleted = inserted is null || baseline.Rows is null ? null : baseline.Rows - (now - inserted);
        long? updated = changed is null || baseline.MaxRowId is null ? null : await CountAsync(connection, $"SELECT count(*) FROM {quoted} WHERE rowid <= $max AND {changed}", cancellationToken, parameters);

        var rows = new List<string>();
        var where = (baseline.MaxRowId is null ? null : "rowid > $max") is { } inserts
            ? changed is null ? inserts : $"{inserts} OR {changed}"
            : changed;
        if (where is not null)
        {
            var key = table.PrimaryKey ?? await PrimaryKeyAsync(connection, table.Name, cancellationToken);
            var select = key.Count == 0 ? "rowid" : string.Join(", ", key.Select(Quote));
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {select} FROM {quoted} WHERE {where} LIMIT $limit";
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.Parameters.AddWithValue("$limit", rowLimit + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var values = Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "");
                rows.Add(string.Join("|", values));
            }
        }

        var truncated = rows.Count > rowLimit;
        var method = $"sqlite: inserts are rows with a rowid above the highest at deploy time ({baseline.MaxRowId?.ToString(CultureInfo.InvariantCulture) ?? "n/a: WITHOUT ROWID table"}); deletes follow from the row count ({baseline.Rows} then, {now} now); "
            + (table.ChangedAt is null
                ? "updates are unknown (declare changedAt to count them and name the rows)"
                : $"updates and row names from '{table.ChangedAt}' >= {baseline.At:yyyy-MM-dd HH:mm:ss}Z (rows changed without touching it are missed)");
        return new BusinessImpact(table.Name, inserted + updated + deleted ?? (inserted is null ? null : inserted + deleted), inserted, updated, deleted,
            truncated ? rows.Take(rowLimit).ToList() : rows, truncated, method);
    }

    public async Task<IReadOnlyList<QuarantinedTable>> ListQuarantineAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        await using var connection = await OpenReadOnlyAsync(cancellationToken);
        var names = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rw\\_quarantine\\_%' ESCAPE '\\' ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                names.Add(reader.GetString(0));
            }
        }

        var result = new List<QuarantinedTable>();
        foreach (var name in names)
        {
            result.Add(new QuarantinedTable(NameRules.QuarantinedOriginal(name), name, await CountAsync(connection, $"SELECT count(*) FROM {Quote(name)}", cancellationToken)));
        }

        return result;
    }

    private async Task<SqliteConnection> OpenReadOnlyAsync(CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = (int)BusyTimeout.TotalSeconds };
        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<bool> ExistsAsync(SqliteConnection connection, string table, CancellationToken cancellationToken) =>
        await CountAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $t COLLATE NOCASE", cancellationToken, ("$t", table)) > 0;

    private static async Task<bool> HasRowIdAsync(SqliteConnection connection, string table, CancellationToken cancellationToken) =>
        await CountAsync(connection, "SELECT count(*) FROM pragma_table_list WHERE name = $t COLLATE NOCASE AND wr = 0", cancellationToken, ("$t", table)) > 0;

    private static async Task<IReadOnlyList<string>> PrimaryKeyAsync(SqliteConnection connection, string table, CancellationToken cancellationToken)
    {
        var key = new List<string>();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info($t) WHERE pk > 0 ORDER BY pk";
        command.Parameters.AddWithValue("$t", table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            key.Add(reader.GetString(0));
        }

        return key;
    }

    private static async Task<long> CountAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
