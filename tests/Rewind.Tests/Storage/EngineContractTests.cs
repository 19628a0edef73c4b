using Rewind.Core;
using CsCheck;
using Rewind.Tests.Support;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Storage;

/// <summary>
/// The storage conformance suite: every case runs on every engine (SQLite and PostgreSQL subclasses), through
/// the engine and a real database, so both adapters keep exactly the same behaviour.
/// </summary>
public abstract class EngineContractTests(StorageProvider provider)
{
    protected StorageProvider Provider => provider;

    protected Task<EngineHarness> HarnessAsync(params string[] targets) => EngineHarness.CreateAsync(provider, targets);

    /// <summary>How many generated scenarios the round-trip property runs per engine.</summary>
    protected virtual int RoundTripIterations => 40;

    [Fact]
    public async Task Progress_names_the_records_file_being_applied_not_the_one_being_read_ahead()
    {
        await using var h = await HarnessAsync();
        const int PerFile = 3000;
        var bundle = new BundleBuilder("two-files");
        for (var i = 0; i < PerFile; i++)
        {
            bundle.Upsert("platform", "rule", $"r{i:D5}", "1").Upsert("apps", "flag", $"f{i:D5}", "2");
        }

        var reports = new List<OperationProgress>();
        await h.Engine.DeployAsync(new DeployRequest(h.Write(bundle), "env1", "tester", null), new InlineProgress(reports.Add));

        // Files are applied one after the other: the first PerFile records carry the first file's label.
        var records = reports.Where(r => r.Step.StartsWith("records ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * PerFile, records[^1].Done);
        var first = records[0].Step;
        Assert.All(records, r => Assert.True(r.Done <= PerFile == (r.Step == first), $"{r.Done} records applied, labelled {r.Step}"));
        Assert.Equal(2, records.Select(r => r.Step).Distinct().Count());
    }

    [Fact]
    public async Task Round_trip_property_deploying_then_rolling_back_in_reverse_restores_every_intermediate_state()
    {
        await RoundTripModel.ScenarioGen.SampleAsync(async (prior, sequence) =>
        {
            await using var h = await HarnessAsync();
            await h.ExecuteAsync("CREATE TABLE orders (id TEXT PRIMARY KEY, total INTEGER)");
            await h.ExecuteAsync("INSERT INTO orders (id, total) VALUES ('o1', 10), ('o2', 20)");
            var tables = new Dictionary<string, int>();
            await h.DeployAsync(RoundTripModel.Build("prior", prior, tables));

            var states = new List<Rewind.Core.Targets.TargetSnapshot>();
            for (var i = 0; i < sequence.Length; i++)
            {
                states.Add(await h.SnapshotAsync());
                await h.DeployAsync(RoundTripModel.Build($"b{i}", sequence[i], tables));
            }

            for (var i = sequence.Length - 1; i >= 0; i--)
            {
                await h.RollbackAsync();
                var difference = states[i].FirstDifference(await h.SnapshotAsync());
                Assert.True(difference is null, $"after rolling back bundle {i}: {difference}");
            }
        }, iter: RoundTripIterations, threads: 1, seed: Environment.GetEnvironmentVariable("REWIND_SEED"));
    }

    [Fact]
    public async Task Deploy_then_rollback_restores_records_exactly()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("base")
            .Upsert("platform", "workflow", "approve", """{"steps":[1,2,3]}""")
            .Upsert("partner", "rule", "discount", """{"rate":0.10}"""));
        var before = await h.SnapshotAsync();

        await h.DeployAsync(new BundleBuilder("patch")
            .Upsert("platform", "workflow", "approve", """{"steps":[1,2,3,4]}""")
            .Upsert("apps", "mapping", "inbound", """{"from":"a","to":"b"}""")
            .Delete("partner", "rule", "discount"));
        Assert.NotEqual(before.ToString(), (await h.SnapshotAsync()).ToString());

        var result = await h.RollbackAsync();

        Assert.Equal(DeploymentStatus.RolledBack, result.Deployment.Status);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Json_bodies_come_back_byte_for_byte()
    {
        string[] bodies =
        [
            "12345678901234567890123",
            "1.0",
            "1",
            "1e400",
            "-0.0",
            """{"b":1,"a":2}""",
            """{ "spaced" :  [ 1 , 2 ] ,"x":"y" }""",
            "\"caf\\u00e9 \\ud83d\\ude00 😀 e\u0301\"",
            "null",
            "\"\\\"quoted\\\" \\\\ back\"",
            string.Concat(Enumerable.Repeat("[", 40)) + "0" + string.Concat(Enumerable.Repeat("]", 40)),
            "{\"n\":9007199254740993,\"f\":0.1000000000000000055511151231257827}",
        ];
        await using var h = await HarnessAsync();
        var prior = new BundleBuilder("prior");
        var patch = new BundleBuilder("patch");
        for (var i = 0; i < bodies.Length; i++)
        {
            prior.Upsert("platform", "body", $"k{i}", bodies[i]);
            patch.Upsert("platform", "body", $"k{i}", $"{{\"replaced\":{i}}}");
        }

        await h.DeployAsync(prior);
        await h.DeployAsync(patch);
        await h.RollbackAsync();

        for (var i = 0; i < bodies.Length; i++)
        {
            Assert.Equal(bodies[i], await h.ScalarAsync($"SELECT body FROM rw_records WHERE key = 'k{i}'"));
        }
    }

    [Fact]
    public async Task Keys_layers_and_types_that_look_like_sql_are_data()
    {
        await using var h = await HarnessAsync();
        const string key = "x'); DROP TABLE rw_records; --";
        const string type = "rule\"; DELETE FROM rw_records; --";
        await h.DeployAsync(new BundleBuilder("inject").Upsert("partner", type, key, "\"v\""));

        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM rw_records"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(key, await h.ScalarAsync("SELECT key FROM rw_records"));
        Assert.Equal(type, await h.ScalarAsync("SELECT type FROM rw_records"));
        await h.RollbackAsync();
        Assert.Equal(0L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM rw_records"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_created_table_is_quarantined_with_its_rows_and_can_be_created_again()
    {
        await using var h = await HarnessAsync();
        var bundle = new BundleBuilder("tier").SimpleTable("loyalty_tier", ("rank", "integer"), ("label", "text"))
            .DataCopy("loyalty_tier", """{"id":"gold","rank":1,"label":"Gold"}""", """{"id":"silver","rank":2,"label":"Silver"}""");
        var before = await h.SnapshotAsync();
        var deployed = await h.DeployAsync(bundle);
        Assert.Contains("loyalty_tier", deployed.Summary.TablesCreated);
        await h.ExecuteAsync("INSERT INTO loyalty_tier (id, rank, label) VALUES ('bronze', 3, 'Bronze')");

        var rolledBack = await h.RollbackAsync();

        var quarantined = Assert.Single(rolledBack.Summary.Quarantined);
        Assert.Equal("loyalty_tier", quarantined.Table);
        Assert.StartsWith("rw_quarantine_", quarantined.As, StringComparison.Ordinal);
        Assert.Equal(3, quarantined.Rows);
        Assert.Equal(3L, Convert.ToInt64(await h.ScalarAsync($"SELECT count(*) FROM \"{quarantined.As}\""), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));

        await h.Engine.ClearAsync("env1", "tester", "fixed");
        await h.DeployAsync(bundle);
        Assert.Equal(2L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM loyalty_tier"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_data_copy_is_restored_on_rollback()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("tier").SimpleTable("currency", ("name", "text"), ("rate", "real"), ("active", "boolean"))
            .DataCopy("currency", """{"id":"EUR","name":"Euro","rate":1.0,"active":true}""", """{"id":"USD","name":"Dollar","rate":1.08,"active":false}"""));
        var before = await h.SnapshotAsync();

        await h.DeployAsync(new BundleBuilder("rates").DataCopy("currency", """{"id":"EUR","name":"Euro","rate":1.5,"active":true}"""));
        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM currency"), System.Globalization.CultureInfo.InvariantCulture));
        await h.RollbackAsync();

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task A_changed_table_definition_is_restored_with_its_rows()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("v1").SimpleTable("region", ("name", "text"), ("zone", "text"))
            .DataCopy("region", """{"id":"r1","name":"North","zone":"A"}"""));
        var before = await h.SnapshotAsync();

        await h.DeployAsync(new BundleBuilder("v2").Table("platform", "region",
            """{"columns":[{"name":"id","type":"text"},{"name":"name","type":"text"},{"name":"code","type":"integer"}],"primaryKey":["id"],"indexes":[{"name":"ix_region_code","columns":["code"],"unique":true}]}"""));
        await h.RollbackAsync();

        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task Rollback_with_nothing_applied_is_refused_not_reported_as_success()
    {
        await using var h = await HarnessAsync();
        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.RollbackAsync());
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("nothing to roll back", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rolling_back_the_same_deployment_twice_is_refused_and_changes_nothing()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        var two = await h.DeployAsync(new BundleBuilder("two").Upsert("platform", "rule", "a", "2"));
        await h.RollbackAsync(expected: two.Deployment.Id);
        var after = await h.SnapshotAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.RollbackAsync(expected: two.Deployment.Id));

        Assert.Equal("already-rolled-back", refused.Rule);
        Assert.Contains(two.Deployment.Id, refused.Message, StringComparison.Ordinal);
        Assert.Null(after.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task An_out_of_order_rollback_is_refused_and_names_the_newest()
    {
        await using var h = await HarnessAsync();
        var one = await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        var two = await h.DeployAsync(new BundleBuilder("two").Upsert("platform", "rule", "b", "2"));
        var before = await h.SnapshotAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.RollbackAsync(expected: one.Deployment.Id));

        Assert.Equal("not-newest", refused.Rule);
        Assert.Contains(two.Deployment.Id, refused.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task An_off_train_target_refuses_deploys_until_cleared_but_keeps_peeling_back()
    {
        await using var h = await HarnessAsync();
        var empty = await h.SnapshotAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        await h.DeployAsync(new BundleBuilder("two").Upsert("platform", "rule", "a", "2"));
        await h.RollbackAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.DeployAsync(new BundleBuilder("three").Upsert("platform", "rule", "a", "3")));
        Assert.Equal("off-train", refused.Rule);

        await h.RollbackAsync();
        Assert.Null(empty.FirstDifference(await h.SnapshotAsync()));

        await h.Engine.ClearAsync("env1", "tester", "root cause fixed");
        await h.DeployAsync(new BundleBuilder("three").Upsert("platform", "rule", "a", "3"));
        Assert.Equal("3", await h.ScalarAsync("SELECT body FROM rw_records WHERE key = 'a'"));
    }

    [Fact]
    public async Task A_bundle_that_cannot_apply_changes_neither_target_nor_ledger()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        var before = await h.SnapshotAsync();
        var history = await h.Engine.HistoryAsync("env1");

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("bad")
            .Upsert("platform", "rule", "a", "2")
            .DataCopy("missing_table", """{"id":"x"}""")));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains("missing_table", error.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(history.Count, (await h.Engine.HistoryAsync("env1")).Count);
    }

    [Theory]
    [InlineData("bad-json", "line 2: invalid JSON")]
    [InlineData("no-manifest", "has no bundle.json")]
    [InlineData("rw-table", "reserved for Rewind")]
    [InlineData("zip-escape", "escapes its folder")]
    [InlineData("duplicate-key", "appears twice")]
    [InlineData("unknown-layer", "unknown layer 'vendor'")]
    public async Task A_malformed_bundle_is_refused_and_changes_neither_target_nor_store(string kind, string expected)
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1").SimpleTable("lookup", ("label", "text")));
        var before = await h.SnapshotAsync();
        var history = await h.Engine.HistoryAsync("env1");
        var stored = Directory.GetDirectories(h.Engine.Artifacts.Root, "*", SearchOption.AllDirectories).Length;
        var builder = new BundleBuilder("bad").Upsert("platform", "rule", "a", "2");
        var path = kind switch
        {
            "bad-json" => h.Write(builder.Raw("records/apps/rule.ndjson", "{\"key\":\"x\",\"body\":1}\n{\"key\":\"y\",\"body\":[}\n")),
            "no-manifest" => h.Write(builder.WithoutManifest()),
            "rw-table" => h.Write(builder.SimpleTable("rw_records")),
            "zip-escape" => EscapingZip(h.Folder.Combine("escape.zip")),
            "duplicate-key" => h.Write(builder.Upsert("platform", "rule", "a", "3")),
            "unknown-layer" => h.Write(builder.Upsert("vendor", "rule", "v", "3")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var error = await Assert.ThrowsAnyAsync<BadInputException>(() => h.Engine.DeployAsync(new DeployRequest(path, "env1", "tester", null)));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(history), System.Text.Json.JsonSerializer.Serialize(await h.Engine.HistoryAsync("env1")));
        Assert.Equal(stored, Directory.GetDirectories(h.Engine.Artifacts.Root, "*", SearchOption.AllDirectories).Length);
    }

    private static string EscapingZip(string path)
    {
        using var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create);
        using (var manifest = new StreamWriter(zip.CreateEntry("bundle.json").Open()))
        {
            manifest.Write("{\"id\":\"evil\"}");
        }

        using var evil = new StreamWriter(zip.CreateEntry("records/../../../etc/x.ndjson").Open());
        evil.Write("{}");
        return path;
    }

    [Fact]
    public async Task A_data_row_with_an_unknown_column_is_refused_naming_file_and_line()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("t").SimpleTable("lookup", ("label", "text")));
        var before = await h.SnapshotAsync();

        var error = await Assert.ThrowsAsync<BundleInvalidException>(() => h.DeployAsync(new BundleBuilder("rows")
            .DataCopy("lookup", """{"id":"a","label":"A"}""", """{"id":"b","colour":"red"}""")));

        Assert.Equal("data/lookup.ndjson", error.File);
        Assert.Equal(2, error.Line);
        Assert.Contains("colour", error.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
    }

    [Fact]
    public async Task A_sql_check_query_reads_the_target_and_cannot_write_it()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "workflow", "w", "1"));
        await using var store = h.OpenTarget();

        Assert.True(Convert.ToBoolean(await store.EvaluateAsync("SELECT count(*) > 0 FROM rw_records WHERE type = 'workflow'"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(Convert.ToBoolean(await store.EvaluateAsync("SELECT count(*) > 0 FROM rw_records WHERE type = 'rule'"), System.Globalization.CultureInfo.InvariantCulture));
        await Assert.ThrowsAnyAsync<Exception>(() => store.EvaluateAsync("DELETE FROM rw_records"));
        Assert.Equal(1L, Convert.ToInt64(await h.ScalarAsync("SELECT count(*) FROM rw_records"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_rehearsal_is_exact_on_a_copy_and_leaves_the_real_target_untouched()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(new BundleBuilder("base").Upsert("platform", "workflow", "w", """{"v":1}""").SimpleTable("tier", ("rank", "integer")).DataCopy("tier", """{"id":"a","rank":1}"""));
        var before = await h.SnapshotAsync();
        var history = await h.Engine.HistoryAsync("env1");
        var bundle = h.Write(new BundleBuilder("next").Upsert("platform", "workflow", "w", """{"v":2}""").Delete("platform", "workflow", "gone")
            .SimpleTable("region", ("name", "text")).DataCopy("tier", """{"id":"b","rank":2}"""));

        var report = await h.Engine.RehearseAsync(bundle, "env1", (config, ct) => Rewind.Cli.Composition.RewindHost.CreateEngineAsync(config, null, ct));

        Assert.True(report.Succeeded, string.Join("\n", report.Steps));
        Assert.Equal(["copy the target", "deploy", "roll back", "compare with the state before the deploy", "deploy again", "compare with the first deploy"], report.Steps.Select(s => s.Step));
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Equal(history.Count, (await h.Engine.HistoryAsync("env1")).Count);
    }

    [Fact]
    public async Task A_rehearsal_that_cannot_apply_reports_the_failing_step()
    {
        await using var h = await HarnessAsync();
        var bundle = h.Write(new BundleBuilder("bad").Upsert("platform", "rule", "a", "1").SimpleTable("tier", ("rank", "integer")).DataCopy("tier", """{"id":"x","no_such_column":1}"""));

        var report = await h.Engine.RehearseAsync(bundle, "env1", (config, ct) => Rewind.Cli.Composition.RewindHost.CreateEngineAsync(config, null, ct));

        Assert.False(report.Succeeded);
        var failed = Assert.Single(report.Steps, s => !s.Passed);
        Assert.Equal("deploy", failed.Step);
        Assert.Contains("no_such_column", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aligned_targets_share_one_stored_inverse()
    {
        await using var h = await HarnessAsync("env1", "env2");
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", "a", "1");
        var a = await h.DeployAsync(bundle, "env1");
        var b = await h.DeployAsync(bundle, "env2");

        Assert.Equal(a.Deployment.InverseDigest, b.Deployment.InverseDigest);
        Assert.True(h.Engine.Artifacts.Contains(a.Deployment.InverseDigest!));
    }
}

public sealed class SqliteEngineContractTests() : EngineContractTests(new SqliteProvider());
