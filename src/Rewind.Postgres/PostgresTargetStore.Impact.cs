using System.Globalization;
using Npgsql;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;
using static Rewind.Postgres.PgSql;

namespace Rewind.Postgres;

/// <summary>
/// Business-table impact on PostgreSQL: the statistics counters of pg_stat_user_tables count every insert,
/// update and delete by any session, so their difference since the deployment gives each kind of change; the
/// change-timestamp column, when declared, names the rows. Every read is read-only.
/// </summary>
public sealed partial class PostgresTargetStore
{
    public async Task<TableBaseline?> MeasureAsync(BusinessTable table, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        var counters = await CountersAsync(connection, table.Name, cancellationToken);
        return counters is null ? null : new TableBaseline(table.Name, at, counters.Value.Live, null, counters.Value.Inserted, counters.Value.Updated, counters.Value.Deleted);
    }

    public async Task<BusinessImpact> ImpactAsync(BusinessTable table, TableBaseline baseline, int rowLimit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        var now = await CountersAsync(connection, table.Name, cancellationToken)
            ?? throw new InvalidOperationException($"business table {table.Name} no longer exists");
        long? inserted = baseline.Inserted is null ? null : now.Inserted - baseline.Inserted;
        long? updated = baseline.Updated is null ? null : now.Updated - baseline.Updated;
        long? deleted = baseline.Deleted is null ? null : now.Deleted - baseline.Deleted;

        var rows = new List<string>();
        if (table.ChangedAt is { } column)
        {
            var key = table.PrimaryKey ?? await PrimaryKeyAsync(connection, table.Name, cancellationToken);
            var select = key.Count == 0 ? "ctid::text" : string.Join(", ", key.Select(k => $"{Quote(k)}::text"));
            await using var command = Command(connection,
                $"SELECT {select} FROM {Quote(schema)}.{Quote(table.Name)} WHERE {Quote(column)}::timestamptz >= @since LIMIT @limit",
                ("since", baseline.At), ("limit", rowLimit + 1));
            await using var reader = await ReaderAsync(command, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : reader.GetString(i))));
            }
        }

        var truncated = rows.Count > rowLimit;
        var method = "postgres statistics counters (pg_stat_user_tables n_tup_ins/n_tup_upd/n_tup_del) since deploy: every session's changes, "
            + "reported by each session at commit within about a second (and at its end); reset by pg_stat_reset, approximate after a crash; "
            + (table.ChangedAt is null ? "rows are not named (declare changedAt)" : $"rows named from '{table.ChangedAt}' >= {baseline.At:yyyy-MM-dd HH:mm:ss}Z");
        return new BusinessImpact(table.Name, inserted + updated + deleted, inserted, updated, deleted, truncated ? rows.Take(rowLimit).ToList() : rows, truncated, method);
    }

    public async Task<IReadOnlyList<QuarantinedTable>> ListQuarantineAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        var names = new List<string>();
        await using (var command = Command(connection, "SELECT tablename FROM pg_tables WHERE schemaname = @schema AND starts_with(tablename, @prefix) ORDER BY tablename", ("schema", schema), ("prefix", NameRules.QuarantinePrefix)))
        await using (var reader = await ReaderAsync(command, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                names.Add(reader.GetString(0));
            }
        }

        var result = new List<QuarantinedTable>();
        foreach (var name in names)
        {
            var rows = Convert.ToInt64(await ScalarAsync(connection, $"SELECT count(*) FROM {Quote(schema)}.{Quote(name)}", cancellationToken), CultureInfo.InvariantCulture);
            result.Add(new QuarantinedTable(NameRules.QuarantinedOriginal(name), name, rows));
        }

        return result;
    }

    private async Task<(long Live, long Inserted, long Updated, long Deleted)?> CountersAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        // A fresh snapshot of the statistics, not one cached earlier in this session.
        await ExecuteAsync(connection, "SELECT pg_stat_clear_snapshot()", cancellationToken);
        await using var command = Command(connection,
            "SELECT n_live_tup, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = @schema AND lower(relname) = lower(@table)",
            ("schema", schema), ("table", table));
        await using var reader = await ReaderAsync(command, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)) : null;
    }

    private async Task<IReadOnlyList<string>> PrimaryKeyAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        var key = new List<string>();
        await using var command = Command(connection, """
            SELECT a.attname FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE i.indisprimary AND n.nspname = @schema AND lower(c.relname) = lower(@table)
            ORDER BY k.position
            """, ("schema", schema), ("table", table));
        await using var reader = await ReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            key.Add(reader.GetString(0));
        }

        return key;
    }
}
