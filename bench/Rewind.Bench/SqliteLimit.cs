using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Rewind.Bench;

/// <summary>
/// SQLite's plain write of a bundle's rows from memory through the lowest-overhead API there is: SQLitePCLRaw's
/// <c>sqlite3_step</c> on statements prepared once, binding pre-encoded UTF-8, either one row per step or
/// <see cref="BatchRows"/> rows per multi-row statement. Upserts in one pass, deletes in another (keys are
/// distinct, so the order does not change the result), in one transaction the caller opens and commits.
/// </summary>
internal static class SqliteLimit
{
    public const int BatchRows = 100;

    private const string Upsert = "INSERT INTO bench_records (layer, type, key, body) VALUES {0} ON CONFLICT (layer, type, key) DO UPDATE SET body = excluded.body";

    private const string Delete = "DELETE FROM bench_records WHERE (layer, type, key) IN (VALUES {0})";

    public static void WriteOneByOne(SqliteConnection connection, BundleRows rows)
    {
        using (var upsert = new RawStatement(connection, string.Format(Upsert, Values(1, 4))))
        using (var delete = new RawStatement(connection, string.Format(Delete, Values(1, 3))))
        {
            foreach (var r in rows.Utf8Records)
            {
                var statement = r.Body is null ? delete : upsert;
                statement.Bind(1, r.Layer).Bind(2, r.Type).Bind(3, r.Key);
                if (r.Body is not null)
                {
                    statement.Bind(4, r.Body);
                }

                statement.Step();
            }
        }

        WriteReference(connection, rows);
    }

    public static void WriteBatched(SqliteConnection connection, BundleRows rows)
    {
        WriteBatches(connection, rows.Utf8Records.Where(r => r.Body is not null).ToList(), Upsert, 4);
        WriteBatches(connection, rows.Utf8Records.Where(r => r.Body is null).ToList(), Delete, 3);
        WriteReference(connection, rows);
    }

    private static void WriteBatches(SqliteConnection connection, List<Utf8Record> records, string sql, int columns)
    {
        using var full = new RawStatement(connection, string.Format(sql, Values(BatchRows, columns)));
        for (var start = 0; start < records.Count; start += BatchRows)
        {
            var count = Math.Min(BatchRows, records.Count - start);
            using var tail = count < BatchRows ? new RawStatement(connection, string.Format(sql, Values(count, columns))) : null;
            var statement = tail ?? full;
            for (var i = 0; i < count; i++)
            {
                var r = records[start + i];
                var at = (i * columns) + 1;
                statement.Bind(at, r.Layer).Bind(at + 1, r.Type).Bind(at + 2, r.Key);
                if (columns == 4)
                {
                    statement.Bind(at + 3, r.Body!);
                }
            }

            statement.Step();
        }
    }

    /// <summary>The data copy: the reference table's rows replaced, row by row (N/100 rows: a small share).</summary>
    private static void WriteReference(SqliteConnection connection, BundleRows rows)
    {
        using (var clear = new RawStatement(connection, $"DELETE FROM \"{Workload.ReferenceTable}\""))
        {
            clear.Step();
        }

        using var insert = new RawStatement(connection, $"INSERT INTO \"{Workload.ReferenceTable}\" (code, name, rate, decimals, active) VALUES (?, ?, ?, ?, ?)");
        foreach (var row in rows.ReferenceRows)
        {
            insert.Bind(1, row.Code).Bind(2, row.Name).Bind(3, row.Rate).Bind(4, row.Decimals).Bind(5, row.Active ? 1L : 0L);
            insert.Step();
        }
    }

    /// <summary><c>(?, ?, ?), (?, ?, ?)</c>: <paramref name="rows"/> groups of <paramref name="columns"/> positional parameters.</summary>
    private static string Values(int rows, int columns) =>
        string.Join(", ", Enumerable.Repeat("(" + string.Join(", ", Enumerable.Repeat("?", columns)) + ")", rows));

    /// <summary>One prepared statement on the connection's own handle, stepped and reset by hand.</summary>
    private sealed class RawStatement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public RawStatement(SqliteConnection connection, string sql)
        {
            _db = connection.Handle!;
            Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        }

        public RawStatement Bind(int index, ReadOnlySpan<byte> utf8)
        {
            Check(raw.sqlite3_bind_text(_statement, index, utf8));
            return this;
        }

        public RawStatement Bind(int index, string text)
        {
            Check(raw.sqlite3_bind_text(_statement, index, text));
            return this;
        }

        public RawStatement Bind(int index, double value)
        {
            Check(raw.sqlite3_bind_double(_statement, index, value));
            return this;
        }

        public RawStatement Bind(int index, long value)
        {
            Check(raw.sqlite3_bind_int64(_statement, index, value));
            return this;
        }

        public void Step()
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                Check(rc);
            }

            raw.sqlite3_reset(_statement);
        }

        public void Dispose() => _statement.Dispose();

        private void Check(int rc)
        {
            if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE))
            {
                throw new InvalidOperationException($"SQLite error {rc}: {raw.sqlite3_errmsg(_db).utf8_to_string()}");
            }
        }
    }
}
