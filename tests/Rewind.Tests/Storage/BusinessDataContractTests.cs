using System.Globalization;
using Rewind.Core;
using Rewind.Core.Configuration;
using Rewind.Core.Deployments;
using Rewind.Tests.Support;

namespace Rewind.Tests.Storage;

/// <summary>
/// The business-data boundary on every engine: business tables are never written (a guard trigger proves no
/// rollback statement reaches them), what users changed while a deployment was live is reported with the right
/// counts, and records people edited after a deploy are saved before the rollback overwrites them.
/// </summary>
public abstract class BusinessDataContractTests(StorageProvider provider)
{
    private static readonly BusinessTable Orders = new("orders", "updated_at");

    private Task<EngineHarness> HarnessAsync() =>
        EngineHarness.CreateAsync(provider, t => t with { BusinessTables = [Orders] });

    private static long Long(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Users_writes_to_a_business_table_survive_rollback_and_are_counted_by_kind()
    {
        await using var h = await HarnessAsync();
        await h.ExecuteAsync("CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT, updated_at TEXT)");
        await h.ExecuteAsync("INSERT INTO orders (id, status, updated_at) VALUES (1, 'new', '2000-01-01T00:00:00Z'), (2, 'new', '2000-01-01T00:00:00Z'), (3, 'new', '2000-01-01T00:00:00Z')");
        await CountersSettleAsync();
        await h.DeployAsync(new BundleBuilder("workflow-v2").Upsert("platform", "workflow", "order-flow", """{"autoClose":true}"""));

        // "Users" (the platform following the new workflow) write the business table while the deployment is live.
        await h.ExecuteAsync("INSERT INTO orders (id, status, updated_at) VALUES (10, 'new', '2099-01-01T00:00:00Z')");
        await h.ExecuteAsync("INSERT INTO orders (id, status, updated_at) VALUES (11, 'new', '2099-01-01T00:00:00Z')");
        await h.ExecuteAsync("UPDATE orders SET status = 'closed', updated_at = '2099-01-01T00:00:00Z' WHERE id = 1");
        await h.ExecuteAsync("DELETE FROM orders WHERE id = 2");
        var orders = (await h.SnapshotAsync()).Tables["orders"];
        await GuardAsync(h);
        await CountersSettleAsync();

        var rollback = await h.RollbackAsync();

        Assert.Equal(orders, (await h.SnapshotAsync()).Tables["orders"]);
        var impact = Assert.Single(rollback.Impact.BusinessTables);
        Assert.Equal("orders", impact.Table);
        Assert.Equal(2, impact.Inserted);
        Assert.Equal(1, impact.Updated);
        Assert.Equal(1, impact.Deleted);
        Assert.Equal(4, impact.ChangedRows);
        Assert.Equal(["1", "10", "11"], impact.Rows.Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(impact.Method));
        var stored = (await h.Engine.HistoryAsync("env1"))[0].Impact;
        Assert.Equal(2, Assert.Single(stored!.BusinessTables).Inserted);
    }

    [Fact]
    public async Task A_bundle_naming_a_business_table_is_refused_and_changes_nothing()
    {
        await using var h = await HarnessAsync();
        await h.ExecuteAsync("CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT, updated_at TEXT)");
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        var before = await h.SnapshotAsync();

        var copy = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("copy").Upsert("platform", "rule", "a", "2").DataCopy("orders", """{"id":1}""")));
        var define = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("define").Upsert("platform", "rule", "a", "2").SimpleTable("ORDERS", ("status", "text"))));

        Assert.Equal(2, copy.ExitCode);
        Assert.Contains("business table", copy.Message, StringComparison.Ordinal);
        Assert.Contains("business table", define.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Single(await h.Engine.HistoryAsync("env1"));
    }

    [Fact]
    public async Task A_record_edited_after_deploy_is_listed_as_a_live_edit_and_its_image_can_be_reapplied()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("partner", "workflow", "approve", """{"v":1}""").Upsert("partner", "workflow", "ship", """{"v":1}"""));
        await h.DeployAsync(new BundleBuilder("two").Upsert("partner", "workflow", "approve", """{"v":2}""").Upsert("partner", "workflow", "ship", """{"v":2}""").Upsert("partner", "rule", "new", "true"));

        // A partner edits a workflow at 2 AM, and deletes the rule the deployment created.
        await h.ExecuteAsync("UPDATE rw_records SET body = '{\"v\":2,\"hotfix\":\"partner\"}' WHERE key = 'approve'");
        await h.ExecuteAsync("DELETE FROM rw_records WHERE key = 'new'");

        var rollback = await h.RollbackAsync();

        Assert.Equal(["partner/rule/new", "partner/workflow/approve"], rollback.Impact.LiveEdits.Select(e => e.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal("""{"v":1}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'approve'"));
        var saved = rollback.Impact.LiveEditsDigest!;

        // The saved bundle holds the edited images: re-applying it brings the partner's edit back exactly.
        await h.Engine.ClearAsync("env1", "tester", "partner hotfix to be kept");
        await h.Engine.DeployAsync(new DeployRequest(h.Engine.Artifacts.PathOf(saved), "env1", "tester", "re-apply live edits"));
        Assert.Equal("""{"v":2,"hotfix":"partner"}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'approve'"));
        Assert.Equal("""{"v":1}""", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'ship'"));
        Assert.Equal(0L, Long(await h.ScalarAsync("SELECT count(*) FROM rw_records WHERE key = 'new'")));
    }

    [Fact]
    public async Task Without_live_edits_the_report_says_so_and_saves_nothing()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("partner", "workflow", "approve", """{"v":1}""").Delete("partner", "workflow", "absent"));
        var rollback = await h.RollbackAsync();
        Assert.Empty(rollback.Impact.LiveEdits);
        Assert.Null(rollback.Impact.LiveEditsDigest);
    }

    // PostgreSQL sessions report their statistics counters within about a second of committing (the method says so).
    private Task CountersSettleAsync() => Task.Delay(provider.Engine == "postgres" ? 1500 : 0);

    /// <summary>Arms a trigger that makes any write to the business table fail: the rollback must not trip it.</summary>
    private async Task GuardAsync(EngineHarness h)
    {
        if (provider.Engine == "sqlite")
        {
            foreach (var op in new[] { "INSERT", "UPDATE", "DELETE" })
            {
                await h.ExecuteAsync($"CREATE TRIGGER orders_guard_{op.ToLowerInvariant()} BEFORE {op} ON orders BEGIN SELECT RAISE(ABORT, 'a rollback wrote the business table'); END");
            }
        }
        else
        {
            await h.ExecuteAsync("CREATE FUNCTION orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'a rollback wrote the business table'; END $$");
            await h.ExecuteAsync("CREATE TRIGGER orders_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION orders_guard()");
        }
    }
}

public sealed class SqliteBusinessDataContractTests() : BusinessDataContractTests(new SqliteProvider());
