using Microsoft.Extensions.Time.Testing;
using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.ControlPlane;
using Rewind.Core.ControlPlane.Storage;
using Rewind.Core.Ledger;
using Rewind.Postgres;
using Rewind.Sqlite;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Storage;

/// <summary>
/// The versions of Rewind's own tables, on every engine: a fresh store is at the current version; a store made by
/// the code before versions existed (tables created if missing, no version row) upgrades in place and keeps its
/// ledger; a store newer than the code is refused with exit code 3 and left as it was; concurrent openers upgrade
/// once.
/// </summary>
public abstract class StoreSchemaContractTests(StorageProvider provider) : IAsyncLifetime
{
    /// <summary>Bump with every new step (on both engines).</summary>
    private const int CurrentVersion = 3;

    /// <summary>Rewind's own tables, by the same names on every engine.</summary>
    private static readonly string[] SharedTables =
    [
        "rw_schema", "rw_ledger_deployments", "rw_ledger_target_states", "rw_ledger_train", "rw_ledger_config_seen", "rw_ledger_locks",
        "rw_audit", "rw_audit_head", "rw_api_tokens",
    ];

    private static readonly DateTimeOffset Then = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private readonly TestFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(Then);
    private string _store = null!;

    private bool Sqlite => provider.Engine == "sqlite";

    public async Task InitializeAsync() => _store = await provider.CreateControlPlaneAsync(_folder);

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_fresh_store_is_at_the_current_version_and_a_second_open_changes_nothing()
    {
        await using (var store = Open())
        {
            await store.EnsureCreatedAsync();
        }

        Assert.Equal(CurrentVersion, await VersionAsync());
        var appliedAt = await AppliedAtAsync();
        Assert.Equal(Then, appliedAt);

        _clock.Advance(TimeSpan.FromHours(1));
        await using (var again = Open())
        {
            await again.EnsureCreatedAsync();
        }

        Assert.Equal((CurrentVersion, Then), (await VersionAsync(), await AppliedAtAsync()));
    }

    [Fact]
    public void Both_engines_know_the_same_numbered_steps()
    {
        Assert.Equal(SqliteSchema.Statements.Steps.Select(s => s.Version), PostgresSchema.Statements.Steps.Select(s => s.Version));
        Assert.Equal(Enumerable.Range(1, CurrentVersion), SqliteSchema.Statements.Steps.Select(s => s.Version));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_store_made_before_versions_upgrades_in_place_and_keeps_its_ledger(bool auditHadOverBudget)
    {
        var old = Deployment("d0001") with { Status = DeploymentStatus.Verified, Reason = "made by the old code" };
        await MakeOldStoreAsync(auditHadOverBudget, old);

        await using var store = Open();
        await store.EnsureCreatedAsync();

        Assert.Equal(CurrentVersion, await VersionAsync());
        var tables = (await TablesAsync())!.Split(',');
        Assert.Superset(SharedTables.ToHashSet(StringComparer.Ordinal), tables.ToHashSet(StringComparer.Ordinal));
        Assert.DoesNotContain(tables, t => !t.StartsWith("rw_", StringComparison.Ordinal) && t != "sqlite_sequence");
        var history = await store.GetDeploymentsAsync("env1");
        Assert.Equal((old.Id, DeploymentStatus.Verified, "made by the old code"), (history.Single().Id, history.Single().Status, history.Single().Reason));
        Assert.True(await store.InsertDeploymentAsync(Deployment(await store.NextDeploymentIdAsync()), heldLock: null));

        // Step 2 gave a pre-budget audit log its column; the log appends and verifies across the upgrade.
        var audit = AuditLog();
        var sealedEntry = await audit.AppendAsync(new AuditEntry { Who = "alice", Operation = "deploy", Outcome = "done", At = Then, OverBudget = true });
        Assert.Equal(2, sealedEntry.Seq);
        Assert.True((await audit.ReadAsync(new AuditQuery(Limit: 10))).Last().OverBudget);
        Assert.Null(await audit.VerifyAsync([]));
    }

    [Fact]
    public async Task A_store_newer_than_the_code_is_refused_with_both_versions_and_left_unchanged()
    {
        await using (var store = Open())
        {
            await store.EnsureCreatedAsync();
            Assert.True(await store.InsertDeploymentAsync(Deployment("d0001"), heldLock: null));
        }

        // A newer rewind dropped a table and moved to version 99; this one must not recreate it or touch the row.
        await provider.ExecuteAsync(_store, "DROP TABLE rw_api_tokens");
        await provider.ExecuteAsync(_store, "UPDATE rw_schema SET version = 99");
        var before = await TablesAsync();

        await using var newer = Open();
        var refused = await Assert.ThrowsAsync<RefusedException>(() => newer.EnsureCreatedAsync());
        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("store-newer", refused.Rule);
        Assert.Contains("schema version 99", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"(version {CurrentVersion})", refused.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", refused.Message, StringComparison.Ordinal);

        // The stores that share the database refuse as well, on first use.
        await Assert.ThrowsAsync<RefusedException>(() => AuditLog().HeadAsync());
        await Assert.ThrowsAsync<RefusedException>(() => TokenStore().ListAsync());

        Assert.Equal(before, await TablesAsync());
        Assert.Equal(99, await VersionAsync());
        Assert.Equal(Then, await AppliedAtAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_openers_upgrade_once_and_all_succeed(bool oldStore)
    {
        if (oldStore)
        {
            await MakeOldStoreAsync(auditHadOverBudget: false, Deployment("d0001"));
        }

        // Each opener is its own store instance (as separate processes are), started together at a barrier.
        using var start = new Barrier(6);
        var openers = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            start.SignalAndWait();
            switch (i % 3)
            {
                case 0:
                    await using (var store = Open())
                    {
                        await store.EnsureCreatedAsync();
                    }

                    break;
                case 1:
                    await AuditLog().HeadAsync();
                    break;
                default:
                    await TokenStore().ListAsync();
                    break;
            }
        }));
        await Task.WhenAll(openers);

        Assert.Equal(CurrentVersion, await VersionAsync());
        await using var check = Open();
        Assert.Equal(oldStore ? ["d0001"] : Array.Empty<string>(), (await check.GetDeploymentsAsync("env1")).Select(d => d.Id));
        Assert.Equal(1L, Convert.ToInt64(await provider.ScalarAsync(_store, "SELECT count(*) FROM rw_schema"), System.Globalization.CultureInfo.InvariantCulture));
    }

    private IControlPlaneStore Open() => Sqlite
        ? new SqliteControlPlaneStore(Location, _clock)
        : new PostgresControlPlaneStore(Location, _clock);

    private IAuditLog AuditLog() => Sqlite ? new SqliteAuditLog(Location, _clock) : new PostgresAuditLog(Location, _clock);

    private Core.Access.ITokenStore TokenStore() => Sqlite ? new SqliteTokenStore(Location, _clock) : new PostgresTokenStore(Location, _clock);

    private string Location => _store[(_store.IndexOf(':', StringComparison.Ordinal) + 1)..];

    private async Task<int> VersionAsync() =>
        Convert.ToInt32(await provider.ScalarAsync(_store, "SELECT version FROM rw_schema"), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<DateTimeOffset> AppliedAtAsync() => await provider.ScalarAsync(_store, "SELECT applied_at FROM rw_schema") switch
    {
        string text => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture),
        DateTime time => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero),
        var other => throw new InvalidOperationException($"applied_at read as {other}"),
    };

    private async Task<string?> TablesAsync() => (await provider.ScalarAsync(_store, Sqlite
        ? "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"
        : "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = current_schema()"))?.ToString();

    /// <summary>The store as the code before versions left it: its own DDL, one deployment, one audit entry, no version table.</summary>
    private async Task MakeOldStoreAsync(bool auditHadOverBudget, Deployment deployment)
    {
        var ddl = Sqlite ? OldSchema.Sqlite : OldSchema.Postgres;
        if (!auditHadOverBudget)
        {
            ddl = ddl.Replace(Sqlite ? ", over_budget INTEGER NOT NULL DEFAULT 0" : ", over_budget boolean NOT NULL DEFAULT false", "", StringComparison.Ordinal);
        }

        await provider.ExecuteAsync(_store, ddl);
        var table = Sqlite ? "deployments" : "rw_ledger_deployments";
        var document = LedgerDocuments.Write(deployment).Replace("'", "''", StringComparison.Ordinal);
        await provider.ExecuteAsync(_store, $"INSERT INTO {table} (id, target, document) VALUES ('{deployment.Id}', '{deployment.Target}', '{document}')");
        if (!Sqlite)
        {
            await provider.ExecuteAsync(_store, "SELECT setval('rw_ledger_deployment_ids', 1)");
        }
        else
        {
            await provider.ExecuteAsync(_store, "INSERT INTO counters (name, value) VALUES ('deployment', 1)");
        }

        var first = AuditChain.Seal(new AuditEntry { Who = "alice", Operation = "deploy", Outcome = "done", At = Then }, 1, AuditChain.Genesis);
        var at = Sqlite ? "'2026-11-29T03:00:00.000Z'" : "'2026-11-29T03:00:00Z'";
        await provider.ExecuteAsync(_store, $"""
            INSERT INTO {(Sqlite ? "audit" : "rw_audit")} (seq, at, who, operation, outcome, prev_hash, hash) VALUES (1, {at}, 'alice', 'deploy', 'done', '{first.PrevHash}', '{first.Hash}');
            INSERT INTO {(Sqlite ? "audit_head" : "rw_audit_head")} (id, count, hash) VALUES (1, 1, '{first.Hash}');
            """);
        Assert.Equal(0L, Convert.ToInt64(await provider.ScalarAsync(_store, Sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE name = 'rw_schema'"
            : "SELECT count(*) FROM information_schema.tables WHERE table_name = 'rw_schema'"), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Deployment Deployment(string id) => ControlPlaneContractTests.NewDeployment(id, Then);
}

public sealed class SqliteStoreSchemaContractTests() : StoreSchemaContractTests(new SqliteProvider());

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreSchemaContractTests(PostgresServerFixture server) : StoreSchemaContractTests(new PostgresProvider(server));
