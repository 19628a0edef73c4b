using System.Security.Cryptography;
using Rewind.Tests.Support;

namespace Rewind.Tests.Planning;

/// <summary><c>rewind plan</c> and <c>rewind rehearse</c> through the real executable.</summary>
public sealed class PlanAndRehearseCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    [Fact]
    public async Task The_plan_names_records_data_copies_new_tables_code_slots_checks_and_owners()
    {
        Directory.CreateDirectory(_folder.Combine("deploy", "frontend", "releases", "1.0.0"));
        File.CreateSymbolicLink(_folder.Combine("deploy", "frontend", "current"), Path.Combine("releases", "1.0.0"));
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            rollbackBudget: 5m
            owners:
              trigger: partner on-call (Dana)
              execute: platform operations
              integrations: integration team (Sam)
              communication: account manager (Lee)
            targets:
              env1:
                database: sqlite:env1.db
                businessTables:
                  - name: orders
                    changedAt: updated_at
                code:
                  frontend:
                    deployer: directory
                    root: deploy/frontend
                checks:
                  - name: health
                    http: http://127.0.0.1:9/health
                    timeout: 5s
            """);
        var bundle = new BundleBuilder("2026.11.4-release")
            .Upsert("platform", "workflow", "approve", "1").Upsert("apps", "rule", "discount", "2")
            .SimpleTable("loyalty_tier", ("rank", "integer")).DataCopy("loyalty_tier", """{"id":"gold","rank":1}""")
            .Code("frontend", "2.0.0", BundleBuilder.Zip(("index.html", "v2")))
            .WriteTo(_folder.Combine("release"));

        var plan = await Rewind("plan", bundle, "--target", "env1");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        var text = plan.Stdout;
        foreach (var section in new[] { "# Rollback plan: 2026.11.4-release on env1", "## What it changes", "## What a rollback restores", "## What a rollback cannot restore", "## What triggers a rollback", "## Estimated rollback time", "## Owners" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        Assert.Contains("**Records**: 3 added", text, StringComparison.Ordinal);
        Assert.Contains("platform/workflow: 1 add", text, StringComparison.Ordinal);
        Assert.Contains("**Data copies**: loyalty_tier (0 rows now, 1 after)", text, StringComparison.Ordinal);
        Assert.Contains("**New tables**: loyalty_tier", text, StringComparison.Ordinal);
        Assert.Contains("**Code slots**: frontend: 1.0.0 → 2.0.0", text, StringComparison.Ordinal);
        Assert.Contains("in orders", text, StringComparison.Ordinal);
        Assert.Contains("**health**: GET http://127.0.0.1:9/health", text, StringComparison.Ordinal);
        Assert.Contains("within the budget of 5 min", text, StringComparison.Ordinal);
        Assert.Contains("partner on-call (Dana)", text, StringComparison.Ordinal);
        Assert.Contains("account manager (Lee)", text, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("rewind.db")) && (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_rehearsal_reports_an_exact_round_trip_and_leaves_the_sqlite_target_byte_for_byte_unchanged()
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("base").Upsert("platform", "rule", "a", "1").SimpleTable("tier", ("rank", "integer")).WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);
        var hash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(_folder.Combine("env1.db"))));

        var rehearse = await Rewind("rehearse", new BundleBuilder("next").Upsert("platform", "rule", "a", "2").DataCopy("tier", """{"id":"x","rank":9}""").WriteTo(_folder.Combine("b2")), "--target", "env1", "--json");

        Assert.True(rehearse.ExitCode == 0, rehearse.ToString());
        Assert.True(rehearse.Json().GetProperty("exact").GetBoolean());
        Assert.Equal(6, rehearse.Json().GetProperty("steps").GetArrayLength());
        var copied = rehearse.Json().GetProperty("copied").GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!, t => t.GetProperty("rows").GetInt64());
        Assert.Equal(0, copied["tier"]);
        Assert.Equal(2, copied["rw_records"]);
        Assert.Equal(["hooks", "checks", "code slots"], rehearse.Json().GetProperty("notRehearsed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(hash, Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(_folder.Combine("env1.db")))));
        Assert.Equal(1, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());

        var failing = await Rewind("rehearse", new BundleBuilder("bad").DataCopy("tier", """{"id":"x","colour":"red"}""").WriteTo(_folder.Combine("b3")), "--target", "env1");
        Assert.Equal(4, failing.ExitCode);
        Assert.Contains("rehearsal failed at: deploy", failing.Stderr, StringComparison.Ordinal);
    }
}
