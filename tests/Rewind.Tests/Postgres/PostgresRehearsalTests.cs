using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Rewind.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Postgres;

/// <summary>
/// <c>rewind rehearse</c> on a live PostgreSQL target, through the real executable: the application stays connected
/// and writing, the rehearsal copies only what the bundle touches into a scratch schema, and leaves nothing behind.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRehearsalTests(PostgresServerFixture server) : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly PostgresProvider _provider = new(server);
    private string _target = "";

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    /// <summary>A target with a business table <c>orders</c> (serial ids), a platform table <c>settings</c>, and one deployment.</summary>
    private async Task ConfigureAsync(int businessRows = 100, string busyTimeout = "10s")
    {
        _target = await _provider.CreateTargetDatabaseAsync(_folder, "env1");
        var store = await _provider.CreateControlPlaneAsync(_folder);
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: "{store}"
            targets:
              env1:
                database: "{_target}"
                busyTimeout: {busyTimeout}
                businessTables:
                  - name: orders
                platformTables: [settings]
            """);
        await _provider.ExecuteAsync(_target, $"""
            CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL);
            INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, {businessRows}) g;
            CREATE TABLE settings (id serial PRIMARY KEY, name text NOT NULL, value text);
            CREATE UNIQUE INDEX settings_by_name ON settings (name);
            INSERT INTO settings (name, value) VALUES ('theme', 'light'), ('locale', 'en');
            """);
        var base1 = new BundleBuilder("base").Upsert("platform", "workflow", "approve", """{"v":1}""").Upsert("platform", "rule", "gone", "1")
            .SimpleTable("tier", ("rank", "integer")).DataCopy("tier", """{"id":"a","rank":1}""");
        var deployed = await Rewind("deploy", base1.WriteTo(_folder.Combine("base")), "--target", "env1");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
    }

    /// <summary>Defines a table, changes and deletes records, copies data and changes a platform table's rows.</summary>
    private string NextBundle(int copiedRows = 1)
    {
        var next = new BundleBuilder("next").Upsert("platform", "workflow", "approve", """{"v":2}""").Delete("platform", "rule", "gone")
            .SimpleTable("region", ("name", "text"))
            .DataCopy("tier", Enumerable.Range(0, copiedRows).Select(i => $"{{\"id\":\"b{i}\",\"rank\":{i + 2}}}").ToArray())
            .RowUpsert("settings", """{"id":1,"name":"theme","value":"dark"}""");
        return next.WriteTo(_folder.Combine($"next-{copiedRows}"));
    }

    private string RecordsOnly() => new BundleBuilder("records").Upsert("platform", "rule", "r", "1").WriteTo(_folder.Combine("records"));

    [PostgresFact]
    public async Task Rehearse_while_another_session_writes_business_rows_is_exact_and_changes_neither_the_target_nor_the_ledger()
    {
        await ConfigureAsync();
        var bundle = NextBundle();
        await using var targetStore = new PostgresTargetStore(PostgresProvider.ConnectionString(_target), "public");
        var before = await targetStore.SnapshotAsync();
        var history = (await Rewind("history", "--target", "env1", "--json")).Stdout;

        // The application: connected throughout, inserting orders one by one; its longest single insert is kept.
        using var stop = new CancellationTokenSource();
        var longest = TimeSpan.Zero;
        var written = 0;
        var application = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(PostgresProvider.ConnectionString(_target));
            await connection.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                await using var insert = new NpgsqlCommand("INSERT INTO orders (note) VALUES ('written during the rehearsal')", connection);
                await insert.ExecuteNonQueryAsync();
                longest = watch.Elapsed > longest ? watch.Elapsed : longest;
                Interlocked.Increment(ref written);
                await Task.Delay(5);
            }
        });
        while (Volatile.Read(ref written) == 0)
        {
            await Task.Delay(10);
        }

        var atStart = Volatile.Read(ref written);
        var rehearsal = await Rewind("rehearse", bundle, "--target", "env1", "--json");
        var during = Volatile.Read(ref written) - atStart;
        await stop.CancelAsync();
        await application;

        Assert.True(rehearsal.ExitCode == 0, rehearsal.ToString());
        var report = rehearsal.Json();
        Assert.True(report.GetProperty("exact").GetBoolean());
        Assert.True(during > 0, "the application wrote nothing while the rehearsal ran");
        Assert.True(longest < TimeSpan.FromSeconds(5), $"an application insert waited {longest}");
        var copied = report.GetProperty("copied").GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("table").GetString()).ToList();
        Assert.Equal(["rw_deployments", "rw_fence", "rw_records", "settings", "tier"], copied.Where(t => t != "rw_audit_anchor"));
        Assert.Equal(["hooks", "checks", "code slots"], report.GetProperty("notRehearsed").EnumerateArray().Select(e => e.GetString()));

        // Every table row by row; of orders, every row there was before, besides what the application wrote.
        var after = await targetStore.SnapshotAsync();
        foreach (var table in before.Tables.Keys.Union(after.Tables.Keys).Where(t => t != "orders"))
        {
            Assert.Equal(before.Tables[table], after.Tables[table]);
        }

        Assert.Empty(before.Tables["orders"].Except(after.Tables["orders"]));
        Assert.Equal(before.Tables["orders"].Count + written, after.Tables["orders"].Count);
        Assert.Equal(history, (await Rewind("history", "--target", "env1", "--json")).Stdout);
        Assert.Equal(0L, await ScratchSchemasAsync());
    }

    [PostgresFact]
    public async Task A_rehearsal_killed_with_sigkill_leaves_a_scratch_schema_that_the_next_command_removes()
    {
        await ConfigureAsync();
        // Enough rows that the rehearsal is still at work when it is killed.
        var bundle = NextBundle(copiedRows: 30_000);

        using (var process = CliRunner.Start(_folder.Path, null, "rehearse", bundle, "--target", "env1"))
        {
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2) && await ScratchSchemasAsync() == 0)
            {
                await Task.Delay(5);
            }

            Assert.False(process.HasExited, "the rehearsal finished before it could be killed");
            process.Kill();
            await process.WaitForExitAsync();
        }

        Assert.Equal(1L, await ScratchSchemasAsync());
        var comment = Convert.ToString(await _provider.ScalarAsync(_target, "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE starts_with(nspname, 'rw_rehearse_')"), CultureInfo.InvariantCulture);
        Assert.Matches(@"^Rewind rehearsal of schema public, .* by process \d+ on .+, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", comment ?? "(no comment)");
        // The server ends the dead process's sessions, and with them its lease, once it notices the closed sockets.
        for (var i = 0; i < 100 && await AdvisoryLocksAsync() > 0; i++)
        {
            await Task.Delay(100);
        }

        var next = await Rewind("diff", RecordsOnly(), "--target", "env1");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal(0L, await ScratchSchemasAsync());
    }

    [PostgresFact]
    public async Task A_schema_someone_else_named_like_a_scratch_schema_is_never_swept()
    {
        await ConfigureAsync();
        // Same prefix, but not Rewind's: one with another name shape, one with Rewind's shape and no Rewind comment.
        await _provider.ExecuteAsync(_target, """
            CREATE SCHEMA rw_rehearse_eu; CREATE TABLE rw_rehearse_eu.keep (id int); INSERT INTO rw_rehearse_eu.keep VALUES (1);
            CREATE SCHEMA rw_rehearse_0123456789ab; CREATE TABLE rw_rehearse_0123456789ab.keep (id int);
            """);

        var next = await Rewind("diff", RecordsOnly(), "--target", "env1");

        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal(1L, await _provider.ScalarAsync(_target, "SELECT count(*) FROM rw_rehearse_eu.keep"));
        Assert.Equal(0L, await _provider.ScalarAsync(_target, "SELECT count(*) FROM rw_rehearse_0123456789ab.keep"));
    }

    [PostgresFact]
    public async Task A_scratch_schema_whose_rehearsal_is_still_running_is_left_alone_by_other_commands()
    {
        await ConfigureAsync();
        var bundle = NextBundle(copiedRows: 30_000);
        using var process = CliRunner.Start(_folder.Path, null, "rehearse", bundle, "--target", "env1");
        var clock = Stopwatch.StartNew();
        while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2) && await ScratchSchemasAsync() == 0)
        {
            await Task.Delay(5);
        }

        Assert.False(process.HasExited, "the rehearsal finished before another command could run beside it");
        var beside = await Rewind("diff", RecordsOnly(), "--target", "env1");
        Assert.True(beside.ExitCode == 0, beside.ToString());
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        Assert.Equal(0L, await ScratchSchemasAsync());
    }

    [PostgresFact]
    public async Task Beside_a_million_business_rows_the_rehearsal_copies_none_of_them()
    {
        await ConfigureAsync(businessRows: 1_000_000);

        var rehearsal = await Rewind("rehearse", NextBundle(), "--target", "env1", "--json");

        Assert.True(rehearsal.ExitCode == 0, rehearsal.ToString());
        var copied = rehearsal.Json().GetProperty("copied");
        var tables = copied.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!, t => t.GetProperty("rows").GetInt64());
        Assert.DoesNotContain("orders", tables.Keys);
        Assert.Equal(2, tables["settings"]);
        Assert.Equal(1, tables["tier"]);
        Assert.True(copied.GetProperty("rows").GetInt64() < 20, rehearsal.Stdout);
        Assert.Equal(0L, await ScratchSchemasAsync());
    }

    [PostgresFact]
    public async Task The_text_report_names_the_copied_tables_with_their_rows_and_what_was_not_rehearsed()
    {
        await ConfigureAsync();

        var rehearsal = await Rewind("rehearse", NextBundle(), "--target", "env1");

        Assert.True(rehearsal.ExitCode == 0, rehearsal.ToString());
        Assert.Matches(@"Copied into scratch schema rw_rehearse_[0-9a-f]{12}: .*settings \(2 rows\), tier \(1 row\); nothing else was copied\.", rehearsal.Stdout);
        Assert.Contains("Not rehearsed: hooks, checks, code slots", rehearsal.Stdout, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_table_held_by_an_alter_for_longer_than_busy_timeout_refuses_the_rehearsal_as_busy_and_leaves_no_schema()
    {
        await ConfigureAsync(busyTimeout: "1s");
        await using var holder = new NpgsqlConnection(PostgresProvider.ConnectionString(_target));
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var alter = new NpgsqlCommand("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await alter.ExecuteNonQueryAsync();
        }

        var rehearsal = await Rewind("rehearse", NextBundle(), "--target", "env1");

        Assert.True(rehearsal.ExitCode == 3, rehearsal.ToString());
        Assert.Contains("is locked by another session", rehearsal.Stderr, StringComparison.Ordinal);
        await transaction.RollbackAsync();
        Assert.Equal(0L, await ScratchSchemasAsync());
    }

    private async Task<long> ScratchSchemasAsync() =>
        Convert.ToInt64(await _provider.ScalarAsync(_target, "SELECT count(*) FROM pg_namespace WHERE starts_with(nspname, 'rw_rehearse_')"), CultureInfo.InvariantCulture);

    private async Task<long> AdvisoryLocksAsync() =>
        Convert.ToInt64(await _provider.ScalarAsync(_target, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"), CultureInfo.InvariantCulture);
}
