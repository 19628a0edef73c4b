using System.Globalization;
using CsCheck;
using Rewind.Core;
using Rewind.Core.Configuration;
using Rewind.Tests.Support;
using Rewind.Core.Engine;

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

    /// <summary>An edit made after the deployment: a new body for the record, or (Body -1) its deletion.</summary>
    public sealed record LiveEdit(int Layer, int Type, int Key, int Body);

    [Fact]
    public async Task Live_edit_property_the_rollback_reports_exactly_the_records_edited_since_the_deploy_and_saves_their_images()
    {
        var edits = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 5], Gen.Int[-1, RoundTripModel.Bodies.Length - 1])
            .Select((l, t, k, b) => new LiveEdit(l, t, k, b)).Array[0, 8];
        var records = RoundTripModel.RecordGen.Array[0, 8];
        await Gen.Select(records, records, edits).SampleAsync(async (priorOps, forwardOps, liveEdits) =>
        {
            await using var h = await HarnessAsync();
            var none = new Dictionary<string, int>();
            static RoundTripModel.BundleSpec Spec(RoundTripModel.RecordOp[] ops) => new(ops, 0, 0, 0, false, 0, []);
            static string Address(int l, int t, int k) => $"{RoundTripModel.Layers[l]}/{RoundTripModel.Types[t]}/k{k}";

            // The model: what each record held before the deploy, what the deploy wrote, and what it holds after the edits.
            var before = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var op in priorOps.DistinctBy(o => (o.Layer, o.Type, o.Key)).Where(o => !o.Delete))
            {
                before[Address(op.Layer, op.Type, op.Key)] = RoundTripModel.Bodies[op.Body];
            }

            var written = forwardOps.DistinctBy(o => (o.Layer, o.Type, o.Key))
                .ToDictionary(o => Address(o.Layer, o.Type, o.Key), o => o.Delete ? null : RoundTripModel.Bodies[o.Body], StringComparer.Ordinal);
            var current = new Dictionary<string, string?>(before.ToDictionary(p => p.Key, p => (string?)p.Value), StringComparer.Ordinal);
            foreach (var (address, body) in written)
            {
                current[address] = body;
            }

            await h.DeployAsync(RoundTripModel.Build("prior", Spec(priorOps), none));
            await h.DeployAsync(RoundTripModel.Build("forward", Spec(forwardOps), none));
            foreach (var edit in liveEdits.DistinctBy(e => (e.Layer, e.Type, e.Key)))
            {
                var (layer, type, key) = (RoundTripModel.Layers[edit.Layer], RoundTripModel.Types[edit.Type], $"k{edit.Key}");
                if (edit.Body < 0)
                {
                    await h.ExecuteAsync($"DELETE FROM rw_records WHERE layer = '{layer}' AND type = '{type}' AND key = '{key}'");
                    current[Address(edit.Layer, edit.Type, edit.Key)] = null;
                }
                else
                {
                    var body = RoundTripModel.Bodies[edit.Body];
                    await h.ExecuteAsync($"INSERT INTO rw_records (layer, type, key, body) VALUES ('{layer}', '{type}', '{key}', '{body.Replace("'", "''", StringComparison.Ordinal)}') ON CONFLICT (layer, type, key) DO UPDATE SET body = excluded.body");
                    current[Address(edit.Layer, edit.Type, edit.Key)] = body;
                }
            }

            // A delete of a record that was absent has no inverse: the rollback leaves that record alone.
            var reverted = written.Keys.Where(a => written[a] is not null || before.ContainsKey(a)).ToList();
            var expectedEdits = reverted.Where(a => !string.Equals(current.GetValueOrDefault(a), written[a], StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

            var rollback = await h.RollbackAsync();

            Assert.Equal(expectedEdits, rollback.Impact.LiveEdits.Select(e => e.ToString()).Order(StringComparer.Ordinal));
            foreach (var address in written.Keys)
            {
                var parts = address.Split('/');
                var expected = reverted.Contains(address) ? before.GetValueOrDefault(address) : current.GetValueOrDefault(address);
                Assert.Equal(expected, await h.ScalarAsync($"SELECT body FROM rw_records WHERE layer = '{parts[0]}' AND type = '{parts[1]}' AND key = '{parts[2]}'") as string);
            }

            if (expectedEdits.Count == 0)
            {
                Assert.Null(rollback.Impact.LiveEditsDigest);
                return;
            }

            // The saved bundle holds each edited record's image as it was just before the rollback (absent: a delete).
            var saved = new Dictionary<string, string?>(StringComparer.Ordinal);
            using (var bundle = await h.Engine.Artifacts.OpenAsync(rollback.Impact.LiveEditsDigest!))
            {
                foreach (var file in bundle.RecordFiles)
                {
                    await foreach (var change in bundle.ReadRecordsAsync(file))
                    {
                        saved[change.Address.ToString()] = change.Body;
                    }
                }
            }

            Assert.Equal(expectedEdits.ToDictionary(a => a, a => current.GetValueOrDefault(a)), saved);
        }, iter: LiveEditIterations, threads: 1, seed: Environment.GetEnvironmentVariable("REWIND_SEED"));
    }

    protected virtual int LiveEditIterations => 25;

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
