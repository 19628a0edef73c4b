using Npgsql;
using NpgsqlTypes;
using Rewind.Core;
using Rewind.Postgres;

namespace Rewind.Bench;

/// <summary>
/// PostgreSQL: one database per target on a server the harness starts (or the one given by --postgres).
/// The baseline is the fastest plain upsert: binary COPY into a staging table and one set-based INSERT … ON CONFLICT.
/// The backup is <c>pg_dump -Fc</c>, restored with <c>pg_restore --clean -j 2</c>.
/// </summary>
internal sealed class PostgresBenchEngine : IBenchEngine
{
    private const string Prefix = "postgres:";

    private readonly string _admin;
    private readonly string _bin;
    private readonly string _folder;
    private readonly PostgresServer? _server;
    private readonly string _version;

    private PostgresBenchEngine(string admin, string bin, string folder, PostgresServer? server, string version)
    {
        _admin = admin;
        _bin = bin;
        _folder = folder;
        _server = server;
        _version = version;
    }

    public string Name => "postgres";

    public string Description => $"PostgreSQL {_version} (Npgsql; server {(_server is null ? "given by --postgres" : "throwaway, fsync on, shared_buffers 512MB")})";

    public static async Task<PostgresBenchEngine> CreateAsync(string? connectionString, string folder, CancellationToken cancellationToken)
    {
        PostgresServer? server = null;
        if (connectionString is null)
        {
            Console.Error.WriteLine("bench: starting a throwaway PostgreSQL server");
            server = await PostgresServer.StartAsync(cancellationToken);
            connectionString = server.ConnectionString;
        }

        var bin = server?.BinDirectory ?? PostgresServer.FindBinDirectory() ?? "";
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        var version = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new PostgresBenchEngine(connectionString, bin, folder, server, version);
    }

    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        var database = "rw_bench_" + name.Replace('-', '_');
        await AdminAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", cancellationToken);
        await AdminAsync($"CREATE DATABASE \"{database}\"", cancellationToken);
        return Prefix + new NpgsqlConnectionStringBuilder(_admin) { Database = database, CommandTimeout = 0 }.ConnectionString;
    }

    public async Task SeedTargetAsync(string database, Workload workload, CancellationToken cancellationToken)
    {
        // Rewind's own tables, created the way Rewind creates them.
        await using (var session = await new PostgresTargetStore(ConnectionOf(database), "public").BeginAsync(cancellationToken))
        {
            await session.CommitAsync(cancellationToken);
        }

        await SeedAsync(database, "rw_records", workload, cancellationToken);
    }

    public async Task SeedBaselineAsync(string database, Workload workload, CancellationToken cancellationToken)
    {
        await ExecuteAsync(database, "CREATE TABLE bench_records (layer text NOT NULL, type text NOT NULL, key text NOT NULL, body text NOT NULL, PRIMARY KEY (layer, type, key))", cancellationToken);
        await SeedAsync(database, "bench_records", workload, cancellationToken);
        await ExecuteAsync(database, $"""
            CREATE TABLE bench_records_pristine AS SELECT * FROM bench_records;
            CREATE TABLE ref_currency_pristine AS SELECT * FROM "{Workload.ReferenceTable}";
            """, cancellationToken);
    }

    public async Task ResetBaselineAsync(string database, CancellationToken cancellationToken)
    {
        await ExecuteAsync(database, $"""
            TRUNCATE bench_records, "{Workload.ReferenceTable}";
            INSERT INTO bench_records SELECT * FROM bench_records_pristine;
            INSERT INTO "{Workload.ReferenceTable}" SELECT * FROM ref_currency_pristine;
            """, cancellationToken);
        await ExecuteAsync(database, "VACUUM ANALYZE bench_records", cancellationToken);
    }

    public IReadOnlyList<string> LimitPaths => ["copy + upsert"];

    /// <summary>Today's baseline: the same COPY and upsert, fed by parsing the bundle's NDJSON while the clock runs.</summary>
    public Task RunClientLoopAsync(string database, string bundle, CancellationToken cancellationToken) =>
        WriteAsync(database, BundleRows.Stream(bundle), BundleRows.StreamReference(bundle), cancellationToken);

    /// <summary>The engine's limit: binary COPY of rows already in memory into a staging table, then one set-based upsert.</summary>
    public Task RunLimitAsync(string database, BundleRows rows, string path, CancellationToken cancellationToken) =>
        WriteAsync(database, rows.Records, rows.ReferenceRows, cancellationToken);

    private static async Task WriteAsync(string database, IEnumerable<BaselineRecord> records, IEnumerable<ReferenceRow> referenceRows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionOf(database));
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The same session settings Rewind's adapter uses for its bulk statements, so neither side is tuned alone.
        await ExecuteAsync(connection, "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; CREATE TEMP TABLE stage (layer text NOT NULL, type text NOT NULL, key text NOT NULL, body text) ON COMMIT DROP", cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync("COPY stage (layer, type, key, body) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var record in records)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(record.Layer, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(record.Type, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(record.Key, NpgsqlDbType.Text, cancellationToken);
                if (record.Body is null)
                {
                    await copy.WriteNullAsync(cancellationToken);
                }
                else
                {
                    await copy.WriteAsync(record.Body, NpgsqlDbType.Text, cancellationToken);
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await ExecuteAsync(connection, $"""
            ANALYZE stage;
            DELETE FROM bench_records r USING stage s WHERE s.body IS NULL AND r.layer = s.layer AND r.type = s.type AND r.key = s.key;
            INSERT INTO bench_records (layer, type, key, body) SELECT layer, type, key, body FROM stage WHERE body IS NOT NULL
                ON CONFLICT (layer, type, key) DO UPDATE SET body = excluded.body;
            DELETE FROM "{Workload.ReferenceTable}";
            """, cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY \"{Workload.ReferenceTable}\" (code, name, rate, decimals, active) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var row in referenceRows)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(row.Code, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.Name, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(row.Rate, NpgsqlDbType.Double, cancellationToken);
                await copy.WriteAsync(row.Decimals, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(row.Active, NpgsqlDbType.Boolean, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<string> BaselineFingerprintAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionOf(database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT (SELECT count(*) || ' records, ' || sum(length(key) + length(body)) || ' chars' FROM bench_records) || '; ' || (SELECT count(*) || ' reference rows, ' || sum(length(name)) || ' chars' FROM \"{Workload.ReferenceTable}\")", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task MaintainAsync(string database, CancellationToken cancellationToken) =>
        ExecuteAsync(database, "VACUUM ANALYZE rw_records", cancellationToken);

    public async Task AddBusinessTableAsync(string database, long rows, CancellationToken cancellationToken)
    {
        await ExecuteAsync(database, $"""
            CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount double precision NOT NULL, status text NOT NULL, created_at text NOT NULL);
            INSERT INTO orders (id, customer, amount, status, created_at)
                SELECT i, 'customer-' || (i % 100003), (i % 100000) / 100.0,
                       (ARRAY['open', 'paid', 'shipped', 'closed'])[1 + i % 4],
                       '2026-' || lpad((1 + i % 12)::text, 2, '0') || '-' || lpad((1 + i % 28)::text, 2, '0') || 'T10:00:00Z'
                FROM generate_series(1, {rows}) AS g(i);
            CREATE INDEX ix_orders_customer ON orders (customer);
            """, cancellationToken);
        await ExecuteAsync(database, "VACUUM ANALYZE", cancellationToken);
    }

    public async Task AddPlatformTableAsync(string database, long rows, CancellationToken cancellationToken)
    {
        await ExecuteAsync(database, $"""
            CREATE TABLE price_list (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, sku text NOT NULL UNIQUE, price integer NOT NULL, updated_at text NOT NULL);
            INSERT INTO price_list (id, sku, price, updated_at)
                SELECT i, 'sku-' || i, i % 10000, '2026-11-01T00:00:00Z' FROM generate_series(1, {rows}) AS g(i);
            """, cancellationToken);
        await ExecuteAsync(database, "VACUUM ANALYZE", cancellationToken);
    }

    public async Task BackupAsync(string database, CancellationToken cancellationToken)
    {
        var (conninfo, environment) = Libpq(database);
        await PostgresServer.RunAsync(Path.Combine(_bin, "pg_dump"), ["-Fc", "-f", BackupOf(database), "-d", conninfo], cancellationToken, environment);
    }

    public string BackupFile(string database) => BackupOf(database);

    public async Task RestoreAsync(string database, CancellationToken cancellationToken)
    {
        NpgsqlConnection.ClearAllPools();
        var (conninfo, environment) = Libpq(database);
        await PostgresServer.RunAsync(Path.Combine(_bin, "pg_restore"), ["--clean", "--if-exists", "-j", "2", "-d", conninfo, BackupOf(database)], cancellationToken, environment);
    }

    public async Task<long> SizeAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionOf(database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task DropDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(ConnectionOf(database)).Database;
        await AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", cancellationToken);
        if (File.Exists(BackupOf(database)))
        {
            File.Delete(BackupOf(database));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task SeedAsync(string database, string table, Workload workload, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionOf(database));
        await connection.OpenAsync(cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY {table} (layer, type, key, body) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (layer, type, key, body) in workload.PriorRecords())
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(layer, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(type, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(key, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(body, NpgsqlDbType.Text, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await ExecuteAsync(connection, Workload.ReferenceTablePostgres, cancellationToken);
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY \"{Workload.ReferenceTable}\" FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (code, name, rate, decimals, active) in workload.PriorReferenceRows())
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(code, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(name, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(rate, NpgsqlDbType.Double, cancellationToken);
                await copy.WriteAsync(decimals, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(active, NpgsqlDbType.Boolean, cancellationToken);
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await ExecuteAsync(connection, $"VACUUM ANALYZE {table}", cancellationToken);
    }

    private async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, sql, cancellationToken);
    }

    private static async Task ExecuteAsync(string database, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionOf(database));
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, sql, cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string ConnectionOf(string database) => database.StartsWith(Prefix, StringComparison.Ordinal) ? database[Prefix.Length..] : throw new BadInputException($"not a PostgreSQL database: {database}");

    private string BackupOf(string database) => Path.Combine(_folder, new NpgsqlConnectionStringBuilder(ConnectionOf(database)).Database + ".dump");

    private static (string Conninfo, Dictionary<string, string> Environment) Libpq(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionOf(database));
        var environment = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(builder.Password))
        {
            environment["PGPASSWORD"] = builder.Password;
        }

        return ($"host={builder.Host} port={builder.Port} user={builder.Username} dbname={builder.Database}", environment);
    }
}
