using System.Text;
using Rewind.Core.Ledger;
using Rewind.Tests.Storage;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;

namespace Rewind.Tests.Engine;

/// <summary>
/// The step sequence of each kind of operation, kept in approved files (STYLE.md, "approved step logs"): a change
/// in the order of hooks, apply, slots, checks and record shows up in review as a diff of one of these files.
/// </summary>
public sealed class JournalApprovalTests
{
    private static Task<EngineHarness> HarnessAsync() => EngineHarness.CreateAsync(new SqliteProvider(), t => t with
    {
        // The application is unhealthy while it runs a rule of a bundle named "bad", or while a file named
        // "unhealthy" exists in the harness folder.
        Checks =
        [
            new SqlCheck { Name = "rules", Sql = "SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%bad%'" },
            new CommandCheck { Name = "health", Command = "test ! -f unhealthy" },
        ],
        Hooks = new HooksConfig { BeforeDeploy = ["true"], AfterDeploy = ["true"], BeforeRollback = ["true"], AfterRollback = ["true"] },
    });

    private static BundleBuilder Bundle(string id) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $$"""{"v":"{{id}}"}""");

    [Fact]
    public async Task Deploy_journal_is_approved()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Bundle("one"));
        Approvals.Verify("deploy", await LogAsync(h));
    }

    [Fact]
    public async Task Rollback_journal_is_approved()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Bundle("one"));
        await h.DeployAsync(Bundle("two"));
        await h.RollbackAsync();
        Approvals.Verify("rollback", await LogAsync(h));
    }

    [Fact]
    public async Task Automatic_rollback_journal_is_approved()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Bundle("one"));
        var result = await h.DeployAsync(Bundle("bad"));
        Assert.NotNull(result.AutomaticRollback);
        Approvals.Verify("automatic-rollback", await LogAsync(h));
    }

    [Fact]
    public async Task Freeze_journal_is_approved()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Bundle("one"));
        await h.DeployAsync(Bundle("two"));
        await File.WriteAllTextAsync(h.Folder.Combine("unhealthy"), "");
        var result = await h.RollbackAsync();
        Assert.False(result.Succeeded);
        Approvals.Verify("freeze", await LogAsync(h));
    }

    [Fact]
    public async Task Recovery_journal_is_approved()
    {
        await using var h = await HarnessAsync();
        await h.DeployAsync(Bundle("one"));
        await FencingContractTests.LosingTheLockMidApplyAsync(h, progress => h.Engine.DeployAsync(new DeployRequest(h.Write(Bundle("two")), "env1", "tester", "test"), progress));
        await h.Engine.RecoverTargetAsync("env1", "bob");
        Approvals.Verify("recovery", await LogAsync(h));
    }

    /// <summary>Each deployment oldest first: its final status, then its journal, hooks and checks in order (no times).</summary>
    private static async Task<string> LogAsync(EngineHarness h)
    {
        var log = new StringBuilder();
        foreach (var d in (await h.Engine.HistoryAsync("env1")).Reverse())
        {
            log.AppendLine($"{d.Id} {d.BundleId}: {d.Status.ToName()}{(d.AutomaticRollback ? " (automatic rollback)" : "")}");
            foreach (var step in d.Steps)
            {
                log.AppendLine($"  step {step.Step}: {step.State}{(step.Step == "status" && step.Detail is not null ? $" ({step.Detail})" : "")}");
            }

            foreach (var check in d.Checks)
            {
                log.AppendLine($"  check {check.Name}: {check.Outcome}");
            }

            foreach (var check in d.RollbackChecks)
            {
                log.AppendLine($"  rollback check {check.Name}: {check.Outcome}");
            }
        }

        var state = (await h.Engine.StatusAsync("env1")).Single().State;
        log.AppendLine($"target env1: {state.StateName}");
        return log.ToString();
    }
}
