using Microsoft.Data.Sqlite;
using Rewind.Core;
using Rewind.Sqlite;

namespace Rewind.Bench;

/// <summary>
/// SQLite: databases are files in the work folder. Every timed connection uses the settings Rewind's adapter uses
/// (WAL, synchronous FULL), so baseline and Rewind pay the same durability.
/// </summary>
internal sealed class SqliteBenchEngine(string folder) : IBenchEngine
{
    private const string Prefix = "sqlite:";

    public string Name => "sqlite";

    public string Description => $"SQLite {SqliteVersion()} (Microsoft.Data.Sqlite, WAL, synchronous=FULL)";

    public Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, name + ".db");
        Delete(path);
        return Task.FromResult(Prefix + path);
    }

    public async Task SeedTargetAsync(string database, Workload workload, CancellationToken cancellationToken)
    {
        // Rewind's own tables, created the way Rewind creates them.
        await using (var session = await new SqliteTargetStore(PathOf(database)).BeginAsync(cancellationToken))
        {
            await session.CommitAsync(cancellationToken);
        }

        await SeedAsync(database, "rw_records", workload, cancellationToken);
    }

    public async Task SeedBaselineAsync(string database, Workload workload, CancellationToken cancellationToken)
    {
        await using (var connection = await OpenAsync(database, durable: false, cancellationToken))
        {
            await ExecuteAsync(connection, "CREATE TABLE bench_records (layer TEXT NOT NULL, type TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (layer, type, key)) WITHOUT ROWID", cancellationToken);
        }

        await SeedAsync(database, "bench_records", workload, cancellationToken);
        File.Copy(PathOf(database), PristineOf(database), overwrite: true);
    }

    public Task ResetBaselineAsync(string database, CancellationToken cancellationToken)
    {
        Delete(PathOf(database));
        File.Copy(PristineOf(database), PathOf(database));
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> LimitPaths => [PreparedPath, RawStepPath, MultiRowPath];

    private const string PreparedPath = "prepared";
    private const string RawStepPath = "raw step";
    private const string MultiRowPath = "multi-row";

    private const string UpsertSql = "INSERT INTO bench_records (layer, type, key, body) VALUES ($layer, $type, $key, $body) ON CONFLICT (layer, type, key) DO UPDATE SET body = excluded.body";
    private const string DeleteSql = "DELETE FROM bench_records WHERE layer = $layer AND type = $type AND key = $key";
    private const string ReferenceInsertSql = $"INSERT INTO \"{Workload.ReferenceTable}\" (code, name, rate, decimals, active) VALUES ($code, $name, $rate, $decimals, $active)";

    public async Task RunClientLoopAsync(string database, string bundle, CancellationToken cancellationToken)
    {
        // Today's client: the bundle's NDJSON parsed line by line, one async bind and execute per row.
        await using var connection = await OpenAsync(database, durable: true, cancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        await using var upsert = Prepare(connection, UpsertSql, 4);
        await using var delete = Prepare(connection, DeleteSql, 3);
        foreach (var record in BundleRows.Stream(bundle))
        {
            await BindRecord(upsert, delete, record).ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, $"DELETE FROM \"{Workload.ReferenceTable}\"", cancellationToken);
        await using (var insert = Prepare(connection, ReferenceInsertSql, 5))
        {
            foreach (var row in BundleRows.StreamReference(bundle))
            {
                BindReference(insert, row);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
    }

    public async Task RunLimitAsync(string database, BundleRows rows, string path, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, durable: true, cancellationToken);
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        switch (path)
        {
            case PreparedPath:
                WritePrepared(connection, rows);
                break;
            case RawStepPath:
                SqliteLimit.WriteOneByOne(connection, rows);
                break;
            case MultiRowPath:
                SqliteLimit.WriteBatched(connection, rows);
                break;
            default:
                throw new ArgumentException($"no SQLite limit path {path}", nameof(path));
        }

        await ExecuteAsync(connection, "COMMIT", cancellationToken);
    }

    /// <summary>Microsoft.Data.Sqlite's own lowest-overhead loop: reused commands and parameters, synchronous execute, rows from memory.</summary>
    private static void WritePrepared(SqliteConnection connection, BundleRows rows)
    {
        using (var upsert = Prepare(connection, UpsertSql, 4))
        using (var delete = Prepare(connection, DeleteSql, 3))
        {
            foreach (var record in rows.Records)
            {
                BindRecord(upsert, delete, record).ExecuteNonQuery();
            }
        }

        using (var clear = connection.CreateCommand())
        {
            clear.CommandText = $"DELETE FROM \"{Workload.ReferenceTable}\"";
            clear.ExecuteNonQuery();
        }

        using var insert = Prepare(connection, ReferenceInsertSql, 5);
        foreach (var row in rows.ReferenceRows)
        {
            BindReference(insert, row);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>The upsert or the delete, its parameters set to the record's.</summary>
    private static SqliteCommand BindRecord(SqliteCommand upsert, SqliteCommand delete, BaselineRecord record)
    {
        var command = record.Body is null ? delete : upsert;
        command.Parameters[0].Value = record.Layer;
        command.Parameters[1].Value = record.Type;
        command.Parameters[2].Value = record.Key;
        if (record.Body is not null)
        {
            command.Parameters[3].Value = record.Body;
        }

        return command;
    }

    private static void BindReference(SqliteCommand insert, ReferenceRow row)
    {
        insert.Parameters[0].Value = row.Code;
        insert.Parameters[1].Value = row.Name;
        insert.Parameters[2].Value = row.Rate;
        insert.Parameters[3].Value = row.Decimals;
        insert.Parameters[4].Value = row.Active ? 1L : 0L;
    }

    public async Task<string> BaselineFingerprintAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, durable: false, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT (SELECT count(*) || ' records, ' || sum(length(key) + length(body)) || ' chars' FROM bench_records) || '; ' || (SELECT count(*) || ' reference rows, ' || sum(length(name)) || ' chars' FROM \"{Workload.ReferenceTable}\")";
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task MaintainAsync(string database, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task AddBusinessTableAsync(string database, long rows, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, durable: false, cancellationToken);
        await ExecuteAsync(connection, $"""
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount REAL NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL);
            INSERT INTO orders (id, customer, amount, status, created_at)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
                SELECT i, 'customer-' || (i % 100003), (i % 100000) / 100.0,
                       CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' ELSE 'closed' END,
                       '2026-' || printf('%02d', 1 + i % 12) || '-' || printf('%02d', 1 + i % 28) || 'T10:00:00Z'
                FROM n;
            CREATE INDEX ix_orders_customer ON orders (customer);
            """, cancellationToken);
    }

    public async Task AddPlatformTableAsync(string database, long rows, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, durable: false, cancellationToken);
        await ExecuteAsync(connection, $"""
            CREATE TABLE price_list (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, price INTEGER NOT NULL, updated_at TEXT NOT NULL);
            INSERT INTO price_list (id, sku, price, updated_at)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
                SELECT i, 'sku-' || i, i % 10000, '2026-11-01T00:00:00Z' FROM n;
            """, cancellationToken);
    }

    public async Task BackupAsync(string database, CancellationToken cancellationToken)
    {
        Delete(BackupOf(database));
        await using var source = await OpenAsync(database, durable: true, cancellationToken);
        await using var backup = new SqliteConnection($"Data Source={BackupOf(database)};Pooling=False");
        await backup.OpenAsync(cancellationToken);
        source.BackupDatabase(backup);
    }

    public string BackupFile(string database) => BackupOf(database);

    public async Task RestoreAsync(string database, CancellationToken cancellationToken)
    {
        // The backup API copying every page back over the live database: SQLite's own restore.
        await using var backup = new SqliteConnection($"Data Source={BackupOf(database)};Pooling=False;Mode=ReadOnly");
        await backup.OpenAsync(cancellationToken);
        await using var target = await OpenAsync(database, durable: true, cancellationToken);
        backup.BackupDatabase(target);
    }

    public Task<long> SizeAsync(string database, CancellationToken cancellationToken)
    {
        var path = PathOf(database);
        var size = new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);
        return Task.FromResult(size);
    }

    public Task DropDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        Delete(PathOf(database));
        Delete(PristineOf(database));
        Delete(BackupOf(database));
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task SeedAsync(string database, string table, Workload workload, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, durable: false, cancellationToken);
        await ExecuteAsync(connection, "BEGIN", cancellationToken);
        await using (var insert = Prepare(connection, $"INSERT INTO {table} (layer, type, key, body) VALUES ($a, $b, $c, $d)", 4))
        {
            foreach (var (layer, type, key, body) in workload.PriorRecords())
            {
                insert.Parameters[0].Value = layer;
                insert.Parameters[1].Value = type;
                insert.Parameters[2].Value = key;
                insert.Parameters[3].Value = body;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await ExecuteAsync(connection, Workload.ReferenceTableSqlite, cancellationToken);
        await using (var insert = Prepare(connection, $"INSERT INTO \"{Workload.ReferenceTable}\" VALUES ($a, $b, $c, $d, $e)", 5))
        {
            foreach (var (code, name, rate, decimals, active) in workload.PriorReferenceRows())
            {
                insert.Parameters[0].Value = code;
                insert.Parameters[1].Value = name;
                insert.Parameters[2].Value = rate;
                insert.Parameters[3].Value = decimals;
                insert.Parameters[4].Value = active ? 1L : 0L;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await ExecuteAsync(connection, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
    }

    private static async Task<SqliteConnection> OpenAsync(string database, bool durable, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection($"Data Source={PathOf(database)};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {(durable ? "FULL" : "OFF")};", cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var names = System.Text.RegularExpressions.Regex.Matches(sql, @"\$[a-z]+").Select(m => m.Value).Distinct().ToList();
        foreach (var name in names.Take(parameters))
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }

    private static string PathOf(string database) => database.StartsWith(Prefix, StringComparison.Ordinal) ? database[Prefix.Length..] : throw new BadInputException($"not a SQLite database: {database}");

    private static string PristineOf(string database) => PathOf(database) + ".pristine";

    private static string BackupOf(string database) => PathOf(database) + ".backup";

    private static void Delete(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
            }
        }
    }
}
