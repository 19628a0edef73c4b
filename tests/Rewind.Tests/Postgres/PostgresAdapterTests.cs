using System.Globalization;
using Rewind.Cli.Composition;
using Rewind.Core;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Targets;
using Rewind.Postgres;
using Rewind.Tests.Support;
using Xunit.Abstractions;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Tests.Postgres;

/// <summary>What only PostgreSQL has to show: set-based bulk work, the shared lock, schemas and typed columns.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAdapterTests(PostgresServerFixture server, ITestOutputHelper output)
{
    private readonly PostgresProvider _provider = new(server);

    [PostgresFact]
    public async Task A_100k_record_deploy_and_rollback_take_as_many_round_trips_as_a_10k_one()
    {
        var small = await MeasureAsync(10_000);
        var large = await MeasureAsync(100_000);
        output.WriteLine($"10k records: deploy {small.Deploy} commands, rollback {small.Rollback}; 100k records: deploy {large.Deploy}, rollback {large.Rollback}");

        Assert.Equal(small.Deploy, large.Deploy);
        Assert.Equal(small.Rollback, large.Rollback);
    }

    [PostgresFact]
    public async Task The_rows_a_row_change_reads_before_writing_stay_locked_until_its_session_ends()
    {
        await using var h = await EngineHarness.CreateAsync(_provider, t => t with { PlatformTables = [new PlatformTable("price")] });
        await h.ExecuteAsync("CREATE TABLE price (sku text PRIMARY KEY, amount integer NOT NULL)");
        await h.ExecuteAsync("INSERT INTO price VALUES ('a', 1), ('b', 2)");
        var database = h.Config.Targets["env1"].Database;
        await using var target = h.OpenTarget();
        await using var session = await target.BeginAsync();
        await using var rows = await session.OpenRowsAsync("price", null, "rows/price.ndjson");

        var read = await rows.ReadManyAsync([new RowAddress([new ColumnValue("sku", "\"a\"")], 1)], lockRows: true);

        Assert.NotNull(read[0]);
        // The application cannot change that row until the session ends; the row not read stays free.
        var blocked = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => _provider.ExecuteAsync(database, "SELECT 1 FROM price WHERE sku = 'a' FOR UPDATE NOWAIT"));
        Assert.Equal("55P03", blocked.SqlState);
        await _provider.ExecuteAsync(database, "SELECT 1 FROM price WHERE sku = 'b' FOR UPDATE NOWAIT");
    }

    [PostgresFact]
    public async Task Row_changes_travel_in_batches_not_one_round_trip_per_row()
    {
        await using var h = await EngineHarness.CreateAsync(_provider, t => t with { PlatformTables = [new PlatformTable("price")] });
        await h.ExecuteAsync("CREATE TABLE price (sku text PRIMARY KEY, amount integer NOT NULL)");
        await h.ExecuteAsync("INSERT INTO price SELECT 'sku' || x, x FROM generate_series(0, 2999) AS s(x)");
        var before = await h.SnapshotAsync();
        var patch = new BundleBuilder("prices");
        for (var i = 0; i < 5_000; i++)
        {
            patch.RowUpsert("price", $$"""{"sku":"sku{{i}}","amount":{{i + 1}}}""");
        }

        var bundle = h.Write(patch);
        var counter = RoundTrips.Start();
        await h.Engine.DeployAsync(new DeployRequest(bundle, "env1", "tester", "measure"));
        var deploy = counter.Value;
        counter = RoundTrips.Start();
        await h.RollbackAsync();
        var rollback = counter.Value;
        output.WriteLine($"5,000 row changes: deploy {deploy} commands, rollback {rollback}");

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.InRange(deploy, 1, 200);
        Assert.InRange(rollback, 1, 200);
    }

    /// <summary>
    /// Deploys a bundle overwriting half of <paramref name="records"/> existing records, creating as many new
    /// ones and deleting some, then rolls it back; returns the commands each took and checks the round trip.
    /// </summary>
    private async Task<(long Deploy, long Rollback)> MeasureAsync(int records)
    {
        await using var h = await EngineHarness.CreateAsync(_provider);
        var body = "{\"steps\":[1,2,3],\"label\":\"" + new string('x', 300) + "\",\"n\":";
        var base_ = new BundleBuilder($"base-{records}");
        for (var i = 0; i < records / 2; i++)
        {
            base_.Upsert("platform", i % 2 == 0 ? "workflow" : "rule", $"k{i}", body + i + "}");
        }

        await h.DeployAsync(base_);
        var before = await h.SnapshotAsync();
        var patch = new BundleBuilder($"patch-{records}");
        for (var i = 0; i < records; i++)
        {
            var type = i % 2 == 0 ? "workflow" : "rule";
            if (i % 10 == 1 && i < records / 2)
            {
                patch.Delete("platform", type, $"k{i}");
            }
            else
            {
                patch.Upsert("platform", type, $"k{i}", body + (i * 7) + "}");
            }
        }

        var bundle = h.Write(patch);
        var counter = RoundTrips.Start();
        await h.Engine.DeployAsync(new DeployRequest(bundle, "env1", "tester", "measure"));
        var deploy = counter.Value;

        counter = RoundTrips.Start();
        await h.RollbackAsync();
        var rollback = counter.Value;

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        return (deploy, rollback);
    }

    [PostgresFact]
    public async Task Two_rollbacks_at_the_same_moment_one_rolls_back_the_other_is_refused_as_busy()
    {
        await using var h = await EngineHarness.CreateAsync(_provider);
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));

        // Big enough that the winner still holds the lock when the loser asks for it.
        var big = new BundleBuilder("two");
        for (var i = 0; i < 20_000; i++)
        {
            big.Upsert("platform", "rule", $"k{i}", $"{{\"n\":{i}}}");
        }

        var two = await h.DeployAsync(big);
        using var start = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await h.RollbackAsync();
        })).ToList();
        start.Release(2);
        var settled = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                return (Result: (RollbackResult?)await t, Error: (Exception?)null);
            }
            catch (RefusedException e)
            {
                return (Result: (RollbackResult?)null, Error: (Exception?)e);
            }
        }));

        var winner = Assert.Single(settled, s => s.Result is not null);
        var loser = Assert.Single(settled, s => s.Error is not null);
        Assert.Equal(two.Deployment.Id, winner.Result!.Deployment.Id);
        var refused = Assert.IsType<RefusedException>(loser.Error);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("target env1 is busy: rollback by tester since", refused.Message, StringComparison.Ordinal);
        var history = await h.Engine.HistoryAsync("env1");
        Assert.Equal(1, history.Count(d => d.Status == DeploymentStatus.RolledBack));
        Assert.Equal("1", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'a'"));
        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM rw_records"), CultureInfo.InvariantCulture));
        Assert.Null(await new PostgresControlPlaneStore(PostgresProvider.ConnectionString(h.Config.Store)).GetLockAsync("env1"));
    }

    [PostgresFact]
    public async Task Processes_opening_a_fresh_store_at_the_same_moment_all_create_it_and_extend_one_audit_chain()
    {
        // Each its own instance, as separate processes would be: concurrent CREATE TABLE IF NOT EXISTS collides in
        // the catalog (a unique violation on pg_type) unless the creators are serialised.
        var store = PostgresProvider.ConnectionString(await _provider.CreateControlPlaneAsync(null!));
        var entries = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await new PostgresControlPlaneStore(store).EnsureCreatedAsync();
            Assert.Empty(await new PostgresTokenStore(store).ListAsync());
            return await new PostgresAuditLog(store).AppendAsync(new Rewind.Core.Audit.AuditEntry { At = DateTimeOffset.UtcNow, Who = $"who{i}", Operation = "deploy", Outcome = "succeeded" });
        })));

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), entries.Select(e => e.Seq).Order());
        Assert.Null(await new PostgresAuditLog(store).VerifyAsync([]));
    }

    [PostgresFact]
    public async Task Concurrent_lock_requests_have_exactly_one_winner_and_a_stale_holder_is_replaced()
    {
        var store = new PostgresControlPlaneStore(PostgresProvider.ConnectionString(await _provider.CreateControlPlaneAsync(null!)));
        await store.EnsureCreatedAsync();
        var now = DateTimeOffset.UtcNow;
        LockHolder Wanted(int i, DateTimeOffset expires) => new("env1", $"token{i}", "rollback", $"who{i}", "host", 1000 + i, now, expires);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.TryAcquireLockAsync(Wanted(i, now.AddMinutes(1)), _ => false))));

        Assert.Single(results, r => r is null);
        var winner = (await store.GetLockAsync("env1"))!;
        Assert.All(results.Where(r => r is not null), r => Assert.Equal(winner, r));

        // A lease that ran out is taken over; the old holder can then neither renew nor release it.
        Assert.NotNull(await store.TryAcquireLockAsync(Wanted(100, now.AddMinutes(1)), h => h.ExpiresAt < now));
        Assert.Null(await store.TryAcquireLockAsync(Wanted(101, now.AddMinutes(1)), _ => true));
        Assert.False(await store.RenewLockAsync("env1", winner.Token, now.AddMinutes(5)));
        await store.ReleaseLockAsync("env1", winner.Token);
        Assert.Equal("token101", (await store.GetLockAsync("env1"))!.Token);
        Assert.True(await store.RenewLockAsync("env1", "token101", now.AddMinutes(5)));
        await store.ReleaseLockAsync("env1", "token101");
        Assert.Null(await store.GetLockAsync("env1"));
    }

    [PostgresFact]
    public async Task A_target_schema_is_created_and_every_name_in_it_is_quoted()
    {
        const string schema = "Tenant One";
        using var folder = new TestFolder();
        var database = await _provider.CreateTargetDatabaseAsync(folder, "env1");
        var config = new RewindConfig
        {
            BaseDirectory = folder.Path,
            Store = await _provider.CreateControlPlaneAsync(folder),
            Artifacts = folder.Combine("artifacts"),
            Targets = new Dictionary<string, TargetConfig> { ["env1"] = new() { Name = "env1", Database = database, Schema = schema } },
        };
        var engine = await RewindHost.CreateEngineAsync(config);
        await using var store = new PostgresTargetStore(PostgresProvider.ConnectionString(database), schema);
        var empty = await store.SnapshotAsync();

        var bundle = new BundleBuilder("mixed").SimpleTable("Order", ("Select", "integer"), ("from", "text"))
            .DataCopy("Order", """{"id":"a","Select":1,"from":"x"}""", """{"id":"b","Select":2,"from":null}""")
            .Upsert("platform", "rule", "r1", """{"a":1}""");
        await engine.DeployAsync(new DeployRequest(bundle.WriteTo(folder.Combine("b1")), "env1", "tester", "test"));

        Assert.Equal(2L, Convert.ToInt64(await _provider.ScalarAsync(database, "SELECT count(*) FROM \"Tenant One\".\"Order\""), CultureInfo.InvariantCulture));
        Assert.Equal(0L, Convert.ToInt64(await _provider.ScalarAsync(database, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), CultureInfo.InvariantCulture));

        var rolledBack = await engine.RollbackAsync(new RollbackRequest("env1", "tester", "test", null));
        Assert.Equal("Order", Assert.Single(rolledBack.Summary.Quarantined).Table);
        Assert.Null(empty.FirstDifference(await store.SnapshotAsync()));
    }

    [PostgresFact]
    public async Task Typed_columns_of_an_existing_table_survive_capture_and_restore()
    {
        await using var h = await EngineHarness.CreateAsync(_provider, t => t with { PlatformTables = [new Rewind.Core.Configuration.PlatformTable("rates")] });
        await h.ExecuteAsync("""
            CREATE TABLE rates (id text PRIMARY KEY, small int4, big int8, ratio float4, precise float8, amount numeric(20,6),
                doc jsonb, plain json, at timestamptz, day date, flag boolean, raw bytea, tags text[], label varchar(20));
            INSERT INTO rates VALUES
                ('a', 1, 9007199254740993, 0.1, 1e300, 12345678901234.123456, '{"b":[1,2],"a":"x"}', '{ "spaced" : 1 }',
                 '2026-11-27 01:02:03.456789+00', '2026-02-28', true, '\x00ff10', '{x,"y z"}', 'café'),
                ('b', NULL, -1, 'NaN', -0.0, 0, '"just text"', 'null', NULL, NULL, false, '', '{}', '');
            """);
        await h.DeployAsync(new BundleBuilder("seed").Upsert("platform", "rule", "r", "1"));
        var before = await h.SnapshotAsync();

        await h.DeployAsync(new BundleBuilder("copy").DataCopy("rates",
            """{"id":"c","small":true,"big":2.0,"ratio":3,"precise":"4.5","amount":1e3,"doc":{"k":[true]},"plain":[1],"at":"2026-01-01T00:00:00Z","day":"2026-03-01","flag":false,"raw":{"$base64":"AQID"},"tags":"{a}","label":17}"""));
        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT small FROM rates WHERE id = 'c'"), CultureInfo.InvariantCulture));
        Assert.Equal("17", await h.ScalarAsync("SELECT label FROM rates WHERE id = 'c'"));

        await h.RollbackAsync();

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal("{\"a\": \"x\", \"b\": [1, 2]}", await h.ScalarAsync("SELECT doc::text FROM rates WHERE id = 'a'"));
        Assert.Equal(0.1f, await h.ScalarAsync("SELECT ratio FROM rates WHERE id = 'a'"));
    }

    [PostgresFact]
    public async Task A_row_that_does_not_fit_is_refused_naming_file_and_line_and_changes_nothing()
    {
        await using var h = await EngineHarness.CreateAsync(_provider);
        await h.DeployAsync(new BundleBuilder("t").SimpleTable("lookup", ("rank", "integer")));
        var before = await h.SnapshotAsync();

        var notAnInteger = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("bad")
            .DataCopy("lookup", """{"id":"a","rank":1}""", """{"id":"b","rank":"high"}""")));
        Assert.Equal(("data/lookup.ndjson", 2L), (notAnInteger.File, notAnInteger.Line));
        Assert.Contains("rank", notAnInteger.Message, StringComparison.Ordinal);

        var duplicate = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("dup")
            .DataCopy("lookup", """{"id":"a","rank":1}""", """{"id":"b","rank":2}""", """{"id":"c","rank":3}""", """{"id":"b","rank":4}""", """{"id":"d","rank":5}""")));
        Assert.Equal(("data/lookup.ndjson", 4L), (duplicate.File, duplicate.Line));
        Assert.Contains("constraint", duplicate.Message, StringComparison.Ordinal);

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [PostgresFact]
    public async Task A_target_made_by_an_earlier_version_gains_its_fence_table_once_and_a_role_that_cannot_create_it_is_told_how()
    {
        // An earlier version's target (no rw_fence), and a role with rights on its tables but not CREATE on the schema.
        using var folder = new TestFolder();
        var database = PostgresProvider.ConnectionString(await _provider.CreateTargetDatabaseAsync(folder, "env1"));
        var role = "rw_limited_" + Guid.NewGuid().ToString("N")[..8];
        await _provider.ExecuteAsync("postgres:" + database, $"""
            CREATE TABLE rw_records (layer text NOT NULL, type text NOT NULL, key text NOT NULL, body text NOT NULL, PRIMARY KEY (layer, type, key));
            CREATE TABLE rw_deployments (id text PRIMARY KEY, bundle_id text NOT NULL, bundle_digest text NOT NULL, inverse_digest text NOT NULL, applied_at text NOT NULL, rolled_back_at text);
            INSERT INTO rw_records VALUES ('platform', 'rule', 'a', '1');
            CREATE ROLE {role} LOGIN;
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            """);
        var limited = new Npgsql.NpgsqlConnectionStringBuilder(database) { Username = role }.ConnectionString;
        await using var store = new PostgresTargetStore(limited, "public");

        var refused = await Assert.ThrowsAsync<OperationFailedException>(() => store.BeginAsync());
        Assert.Contains("lacks Rewind's table rw_fence and this role may not create it", refused.Message, StringComparison.Ordinal);
        Assert.Contains("GRANT CREATE ON SCHEMA \"public\" TO the role Rewind uses", refused.Message, StringComparison.Ordinal);
        Assert.Equal(4, refused.ExitCode);

        // Granted once, the table is made; afterwards the role needs no CREATE to work on the target.
        await _provider.ExecuteAsync("postgres:" + database, $"GRANT CREATE ON SCHEMA public TO {role}");
        await (await store.BeginAsync()).DisposeAsync();
        await _provider.ExecuteAsync("postgres:" + database, $"REVOKE CREATE ON SCHEMA public FROM {role}");
        await using (var session = await store.BeginAsync())
        {
            await session.WriteFenceAsync(new TargetFence("token", "deploy by alice"));
            await session.CommitAsync();
        }

        Assert.Equal("1", await _provider.ScalarAsync("postgres:" + database, "SELECT body FROM rw_records WHERE key = 'a'"));
        Assert.Equal("token", await _provider.ScalarAsync("postgres:" + database, "SELECT token FROM rw_fence"));
    }

    [PostgresFact]
    public async Task Captured_rows_stay_locked_until_commit_and_a_second_session_is_refused_as_busy()
    {
        using var folder = new TestFolder();
        var database = PostgresProvider.ConnectionString(await _provider.CreateTargetDatabaseAsync(folder, "env1"));
        await using var store = new PostgresTargetStore(database, "public");
        await using (var seed = await store.BeginAsync())
        {
            await seed.ApplyRecordsAsync(Changes(new RecordChange(new RecordKey("platform", "rule", "a"), "1")), null);
            await seed.CommitAsync();
        }

        await using var session = await store.BeginAsync();
        var sink = new ListSink();
        await session.ApplyRecordsAsync(Changes(new RecordChange(new RecordKey("platform", "rule", "a"), "2"), new RecordChange(new RecordKey("platform", "rule", "b"), "3")), sink);
        Assert.Equal(["platform/rule/a=1", "platform/rule/b=(none)"], sink.Seen);

        // A writer outside Rewind cannot change a captured row before this transaction ends.
        var blocked = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => _provider.ExecuteAsync("postgres:" + database,
            "SET lock_timeout = '500ms'; UPDATE rw_records SET body = '9' WHERE key = 'a'"));
        Assert.Equal("55P03", blocked.SqlState);

        // Nor can a second Rewind session open on the target: it waits, then is refused as busy.
        var busy = await Assert.ThrowsAsync<RefusedException>(() => store.BeginAsync());
        Assert.Equal("database-busy", busy.Rule);
        Assert.Contains("is locked by another session", busy.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", busy.Message, StringComparison.OrdinalIgnoreCase);

        await session.CommitAsync();
        Assert.Equal("2", await _provider.ScalarAsync("postgres:" + database, "SELECT body FROM rw_records WHERE key = 'a'"));
    }

    private static async IAsyncEnumerable<RecordChange> Changes(params RecordChange[] changes)
    {
        foreach (var change in changes)
        {
            yield return change;
        }

        await Task.CompletedTask;
    }

    private sealed class ListSink : Rewind.Core.Targets.IPriorImageSink
    {
        public List<string> Seen { get; } = [];

        public ValueTask OnPriorAsync(RecordChange change, string? priorBody, CancellationToken cancellationToken)
        {
            Seen.Add($"{change.Address}={priorBody ?? "(none)"}");
            return ValueTask.CompletedTask;
        }
    }
}
