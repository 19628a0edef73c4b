using System.Text.Json;
using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;

namespace Rewind.Tests.Rules;

/// <summary>
/// Seed 001 §7 on every engine: a rollback past its budget completes, but it is a failure condition: its result,
/// its audit entry and its <c>rollback-completed</c> notification say <c>overBudget</c>, and the target needs
/// investigation until someone acknowledges it.
/// </summary>
public abstract class OverBudgetContractTests(StorageProvider provider)
{
    // The smallest real delay that exceeds the budget: a beforeRollback hook sleeping 0.3 s against a 50 ms budget.
    private Task<EngineHarness> HarnessAsync(string hook = "sleep 0.3") => EngineHarness.CreateAsync(provider,
        t => t with { Hooks = new HooksConfig { BeforeRollback = [hook] } },
        c => c with
        {
            RollbackBudget = TimeSpan.FromMilliseconds(50),
            Notify = new NotifyConfig { Commands = ["printf '%s\\n' \"$REWIND_PAYLOAD\" >> payloads.ndjson"] },
        },
        TimeProvider.System);

    private static BundleBuilder Rule(string id) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{id}\"");

    [Fact]
    public async Task An_over_budget_rollback_completes_and_says_so_in_its_result_audit_and_notification()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Rule("one"));

        var result = await h.RollbackAsync();

        Assert.True(result.Succeeded, result.State.Reason);
        Assert.True(result.Deployment.RollbackOverBudget);
        var entry = (await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "rollback"))).Single();
        Assert.Equal("succeeded", entry.Outcome);
        Assert.True(entry.OverBudget);
        Assert.Null(await h.Engine.AuditLog.VerifyAsync([]));
        var payloads = (await File.ReadAllLinesAsync(h.Folder.Combine("payloads.ndjson"))).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var completed = Assert.Single(payloads, p => p.GetProperty("event").GetString() == "rollback-completed");
        Assert.True(completed.GetProperty("overBudget").GetBoolean());
    }

    [Fact]
    public async Task A_rollback_within_budget_carries_no_flag_and_needs_no_investigation()
    {
        await using var h = await HarnessAsync("true");
        await h.DeployAsync(Rule("one"));
        // A 50 ms budget leaves room for a rollback of one record with a no-op hook on an idle machine; a loaded
        // one may exceed it, so only the agreement between the result and everything else is asserted.
        var result = await h.RollbackAsync();
        var entry = (await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "rollback"))).Single();
        Assert.Equal(result.Deployment.RollbackOverBudget, entry.OverBudget);
        Assert.Equal(result.Deployment.RollbackOverBudget, (await h.Engine.StatusAsync("env1")).Single().NeedsInvestigation.Count == 1);
    }

    [Fact]
    public async Task The_target_needs_investigation_until_an_audited_ack_with_a_reason()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Rule("one"));
        await h.RollbackAsync();
        Assert.Equal(["d0001"], (await h.Engine.StatusAsync("env1")).Single().NeedsInvestigation.Select(d => d.Id));

        await Assert.ThrowsAsync<BadInputException>(() => h.Engine.AckAsync("env1", "tester", " "));
        var acked = await h.Engine.AckAsync("env1", "tester", "INC-7: the hook waited on a slow cache flush");

        Assert.Equal(["d0001"], acked.Select(d => d.Id));
        Assert.Empty((await h.Engine.StatusAsync("env1")).Single().NeedsInvestigation);
        var history = (await h.Engine.HistoryAsync("env1")).Single();
        Assert.Equal("tester", history.OverBudgetAck?.Who);
        var ack = (await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "ack"))).Single(e => e.Outcome == "succeeded");
        Assert.Equal("INC-7: the hook waited on a slow cache flush", ack.Reason);
        Assert.Equal("d0001", ack.Deployment);
        var again = await Assert.ThrowsAsync<RefusedException>(() => h.Engine.AckAsync("env1", "tester", "twice"));
        Assert.Equal(3, again.ExitCode);
    }

    [Fact]
    public async Task A_log_written_before_the_flag_existed_gains_it_and_its_chain_still_verifies()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Rule("one"));
        var table = "rw_audit";
        await provider.ExecuteAsync(h.Config.Store, $"ALTER TABLE {table} DROP COLUMN over_budget");

        // Such a log is at schema version 2, the one before the flag's step.
        await provider.ExecuteAsync(h.Config.Store, "UPDATE rw_schema SET version = 2");

        // A new process on the old log: the column comes back, old entries read as not over budget.
        var log = Rewind.Cli.Composition.RewindHost.OpenAuditLog(h.Config.Store);
        await log.AppendAsync(new AuditEntry { Who = "tester", Operation = "rollback", Outcome = "succeeded", OverBudget = true, At = DateTimeOffset.UtcNow });

        var entries = await log.ReadAsync(new AuditQuery());
        Assert.False(entries[0].OverBudget);
        Assert.True(entries[^1].OverBudget);
        Assert.Null(await log.VerifyAsync([]));
    }
}

public sealed class SqliteOverBudgetContractTests() : OverBudgetContractTests(new SqliteProvider());
