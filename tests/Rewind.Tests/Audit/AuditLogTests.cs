using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Audit;

/// <summary>The audit trail through the real executable: every operation and refusal is recorded, and tampering is detected.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Db => "sqlite:" + _folder.Combine("rewind.db");

    private async Task<int> SeedAsync()
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);
        var one = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1"));
        var two = new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteTo(_folder.Combine("b2"));
        Assert.Equal(0, (await Rewind("deploy", one, "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", two, "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "orders stuck")).ExitCode);
        Assert.Equal(3, (await Rewind("deploy", two, "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("clear", "--target", "env1", "--reason", "fixed")).ExitCode);
        return 5;
    }

    [Fact]
    public async Task Every_operation_and_refusal_is_recorded_with_versions_and_an_untouched_log_verifies()
    {
        var expected = await SeedAsync();
        var entries = (await Rewind("audit", "--json")).Json().GetProperty("entries").EnumerateArray().ToList();

        Assert.Equal(expected, entries.Count);
        Assert.Equal(["deploy", "deploy", "rollback", "deploy", "clear"], entries.Select(e => e.GetProperty("operation").GetString()));
        Assert.Equal(["succeeded", "succeeded", "succeeded", "refused:off-train", "succeeded"], entries.Select(e => e.GetProperty("outcome").GetString()));
        var rollback = entries[2];
        Assert.Equal("orders stuck", rollback.GetProperty("reason").GetString());
        Assert.Equal("cli-tester", rollback.GetProperty("who").GetString());
        Assert.StartsWith("two (", rollback.GetProperty("fromVersion").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("one (", rollback.GetProperty("toVersion").GetString(), StringComparison.Ordinal);

        var verify = await Rewind("audit", "--verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Theory]
    [InlineData("UPDATE rw_audit SET reason = 'nothing to see' WHERE seq = 3", "entry 3")]
    [InlineData("DELETE FROM rw_audit WHERE seq = 2", "entry 3")]
    [InlineData("DELETE FROM rw_audit WHERE seq = 5", "the last 1 entry was deleted")]
    [InlineData("UPDATE rw_audit SET seq = -seq WHERE seq IN (2, 3); UPDATE rw_audit SET seq = 3 WHERE seq = -2; UPDATE rw_audit SET seq = 2 WHERE seq = -3", "entry 2")]
    [InlineData("UPDATE rw_audit SET outcome = 'succeeded' WHERE seq = 4", "entry 4")]
    public async Task Editing_the_log_directly_makes_verify_fail_naming_the_entry(string tamper, string named)
    {
        await SeedAsync();
        await new SqliteProvider().ExecuteAsync(Db, tamper);

        var verify = await Rewind("audit", "--verify");

        Assert.Equal(4, verify.ExitCode);
        Assert.Contains("tampered", verify.Stderr, StringComparison.Ordinal);
        Assert.Contains(named, verify.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_past_its_budget_is_flagged_in_history_status_and_audit()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "rollbackBudget: 0s\ntargets:\n  env1:\n    database: sqlite:env1.db\n");
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test")).ExitCode);

        Assert.True((await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments")[0].GetProperty("rollbackOverBudget").GetBoolean());
        Assert.Contains("[OVER BUDGET]", (await Rewind("history", "--target", "env1")).Stdout, StringComparison.Ordinal);
        Assert.True((await Rewind("status", "--json")).Json().GetProperty("targets")[0].GetProperty("lastRollback").GetProperty("overBudget").GetBoolean());
        var audit = (await Rewind("audit", "--operation", "rollback", "--json")).Json().GetProperty("entries")[0];
        Assert.Contains("over budget", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(audit.GetProperty("overBudget").GetBoolean());

        var status = await Rewind("status");
        Assert.Contains("needs investigation", status.Stdout, StringComparison.Ordinal);
        Assert.Equal("d0001", (await Rewind("status", "--json")).Json().GetProperty("targets")[0].GetProperty("needsInvestigation").GetProperty("deployments")[0].GetProperty("id").GetString());
        Assert.Equal(2, (await Rewind("ack", "--target", "env1")).ExitCode);
        var ack = await Rewind("ack", "--target", "env1", "--reason", "checked: the machine was swapping");
        Assert.True(ack.ExitCode == 0, ack.ToString());
        Assert.DoesNotContain("needs investigation", (await Rewind("status")).Stdout, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await Rewind("status", "--json")).Json().GetProperty("targets")[0].GetProperty("needsInvestigation").ValueKind);
        var entry = (await Rewind("audit", "--operation", "ack", "--json")).Json().GetProperty("entries")[0];
        Assert.Equal("checked: the machine was swapping", entry.GetProperty("reason").GetString());
        Assert.Equal(0, (await Rewind("audit", "--verify")).ExitCode);
    }

    [Fact]
    public async Task The_audit_can_be_filtered_by_target_and_operation()
    {
        await SeedAsync();
        var rollbacks = (await Rewind("audit", "--operation", "rollback", "--target", "env1", "--json")).Json().GetProperty("entries");
        Assert.Equal(1, rollbacks.GetArrayLength());
        Assert.Equal(0, (await Rewind("audit", "--target", "nope", "--json")).Json().GetProperty("entries").GetArrayLength());
    }
}
