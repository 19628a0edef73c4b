using Microsoft.Extensions.Time.Testing;
using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.Train;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;

namespace Rewind.Tests.Rules;

/// <summary>
/// Seed 003's "1 to 6 AM" on every engine, on a faked clock: a deploy outside its window is refused unless the
/// audited exception is asked for, and a rollback at the same moment runs.
/// </summary>
public abstract class DeployWindowContractTests(StorageProvider provider)
{
    // 01:00-06:00 in Berlin is 00:00-05:00Z in November (CET, UTC+1).
    private static readonly DeployWindow Night = DeployWindow.Parse("01:00-06:00", "Europe/Berlin", out _)!;
    private static readonly DateTimeOffset InsideNight = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Noon = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private Task<EngineHarness> HarnessAsync(FakeTimeProvider clock, bool onGroup = false) => EngineHarness.CreateAsync(provider,
        t => onGroup ? t : t with { Window = Night },
        c => onGroup ? c with { Groups = new Dictionary<string, GroupConfig> { ["eu"] = new() { Name = "eu", Stages = [["env1"]], Window = Night } } } : c,
        clock);

    private static BundleBuilder Rule(string id) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{id}\"");

    [Fact]
    public async Task A_deploy_outside_the_window_is_refused_and_a_rollback_at_the_same_moment_runs()
    {
        var clock = new FakeTimeProvider(InsideNight);
        await using var h = await HarnessAsync(clock);
        await h.DeployAsync(Rule("one"));
        clock.SetUtcNow(Noon);
        var before = await h.SnapshotAsync();

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.DeployAsync(Rule("two")));

        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("outside-window", refused.Rule);
        Assert.Contains("01:00-06:00 Europe/Berlin: closed now; next opens 2026-11-30 01:00 (2026-11-30 00:00Z)", refused.Message, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await h.SnapshotAsync()));
        Assert.Single(await h.Engine.HistoryAsync("env1"));
        Assert.Contains(await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "deploy")), e => e.Outcome == "refused:outside-window");

        var rollback = await h.RollbackAsync();
        Assert.True(rollback.Succeeded, rollback.State.Reason);
    }

    [Fact]
    public async Task Outside_the_window_a_deploy_lands_only_with_a_reason_and_the_audit_keeps_it()
    {
        var clock = new FakeTimeProvider(Noon);
        await using var h = await HarnessAsync(clock);

        await Assert.ThrowsAsync<BadInputException>(() => h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("one")), "env1", "tester", null) { OutsideWindow = true }));
        var result = await h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("one")), "env1", "tester", "INC-9: hotfix for checkout") { OutsideWindow = true });

        Assert.True(result.Succeeded);
        var entry = (await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "deploy"))).Single(e => e.Outcome == "succeeded");
        Assert.Equal("INC-9: hotfix for checkout", entry.Reason);
        Assert.Contains("outside its window 01:00-06:00 Europe/Berlin", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_bundle_path_is_bad_input_even_outside_the_window()
    {
        await using var h = await HarnessAsync(new FakeTimeProvider(Noon));

        var error = await Assert.ThrowsAsync<BadInputException>(() => h.Engine.DeployAsync(new DeployRequest(Path.Combine(Path.GetTempPath(), "no-such-bundle"), "env1", "tester", "x")));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_deploy_outside_the_window_still_says_so_in_its_audit_entry()
    {
        var clock = new FakeTimeProvider(Noon);
        await using var h = await EngineHarness.CreateAsync(provider,
            t => t with { Window = Night, Checks = [new Rewind.Core.Configuration.SqlCheck { Name = "rules", Sql = "SELECT count(*) = 0 FROM rw_records WHERE body LIKE '%bad%'" }] },
            c => c,
            clock);

        var result = await h.Engine.DeployAsync(new DeployRequest(h.Write(new BundleBuilder("bad").Upsert("platform", "rule", "r1", "\"bad\"")), "env1", "tester", "INC-9") { OutsideWindow = true });

        Assert.False(result.Succeeded);
        var entry = (await h.Engine.AuditLog.ReadAsync(new AuditQuery(Operation: "deploy"))).Single();
        Assert.Contains("outside its window 01:00-06:00 Europe/Berlin", entry.Detail, StringComparison.Ordinal);
        Assert.Matches("^outside its window 01:00-06:00 Europe/Berlin: INC-9; .+", entry.Detail);   // and then why it failed
    }

    [Fact]
    public async Task A_rollout_checks_every_members_own_window_before_anything_runs()
    {
        var clock = new FakeTimeProvider(Noon);
        await using var h = await EngineHarness.CreateAsync(provider,
            t => t with { Window = Night },
            c => c with { Groups = new Dictionary<string, GroupConfig> { ["eu"] = new() { Name = "eu", Stages = [["env1"]] } } },
            clock);

        var refused = await Assert.ThrowsAsync<RefusedException>(() => h.Engine.DeployGroupAsync(new GroupDeployRequest(h.Write(Rule("one")), "eu", "tester", "nightly")));

        Assert.Equal("outside-window", refused.Rule);
        Assert.Contains("target env1 (group eu)", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await h.Engine.HistoryAsync("env1"));
    }

    [Fact]
    public async Task A_groups_window_holds_its_members_and_its_rollouts_and_plan_names_the_next_one()
    {
        var clock = new FakeTimeProvider(Noon);
        await using var h = await HarnessAsync(clock, onGroup: true);

        // A member's own deploy past the train is still held by the window.
        Assert.Equal("outside-window", (await Assert.ThrowsAsync<RefusedException>(() => h.Engine.DeployAsync(new DeployRequest(h.Write(Rule("one")), "env1", "tester", "hotfix") { OutsideTrain = true }))).Rule);
        Assert.Equal("outside-window", (await Assert.ThrowsAsync<RefusedException>(() => h.Engine.DeployGroupAsync(new GroupDeployRequest(h.Write(Rule("one")), "eu", "tester", "nightly")))).Rule);
        Assert.Contains("next opens 2026-11-30 01:00", (await h.Engine.PlanAsync(h.Write(Rule("one")), "env1")).ToMarkdown(), StringComparison.Ordinal);
        Assert.Contains("next opens", (await h.Engine.StatusAsync("env1")).Single().Window, StringComparison.Ordinal);

        clock.SetUtcNow(InsideNight.AddDays(1));
        Assert.True((await h.Engine.DeployGroupAsync(new GroupDeployRequest(h.Write(Rule("one")), "eu", "tester", "nightly"))).Succeeded);
        Assert.Contains("open now, until 2026-11-30 06:00", (await h.Engine.StatusAsync("env1")).Single().Window, StringComparison.Ordinal);
    }
}

public sealed class SqliteDeployWindowContractTests() : DeployWindowContractTests(new SqliteProvider());
