using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Verification;

/// <summary>
/// Verification, automatic rollback, freezing, hooks and notifications through the real executable, with a
/// real HTTP server playing the application whose health depends on the metadata it runs.
/// </summary>
public sealed class VerificationTests : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly TestHttpServer _server;
    private volatile bool _healthDown;

    public VerificationTests()
    {
        _server = new TestHttpServer((method, path) => path switch
        {
            "/health" when _healthDown || AppSeesBrokenFeature() => (500, "feature flag broke the app"),
            "/health" => (200, "ok"),
            "/hook" => (204, ""),
            _ => (404, "no such page"),
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        _folder.Dispose();
    }

    private string TargetDb => "sqlite:" + _folder.Combine("env1.db");

    // The "application" reads its own metadata: a record body of "broken" makes it unhealthy.
    private bool AppSeesBrokenFeature()
    {
        if (!File.Exists(_folder.Combine("env1.db")))
        {
            return false;
        }

        var count = new SqliteProvider().ScalarAsync(TargetDb, "SELECT count(*) FROM rw_records WHERE key = 'feature' AND body = '\"broken\"'").GetAwaiter().GetResult();
        return Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task ConfigureAsync(string hooks = "", string extraChecks = "")
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                checks:
                  - name: health
                    http: {_server.Url("/health")}
                    timeout: 5s
            {extraChecks}
            {hooks}
            notify:
              webhooks: [{_server.Url("/hook")}]
            """);
    }

    private string Bundle(string id, string feature) =>
        new BundleBuilder(id).Upsert("platform", "flag", "feature", $"\"{feature}\"").Upsert("apps", "rule", id, "1").WriteTo(_folder.Combine("bundles", id));

    [Fact]
    public async Task A_deploy_whose_http_check_fails_is_rolled_back_automatically_and_exits_4()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("deploy", Bundle("good", "on"), "--target", "env1")).ExitCode);
        var before = await SnapshotAsync();

        var deploy = await Rewind("deploy", Bundle("bad", "broken"), "--target", "env1", "--json");

        Assert.True(deploy.ExitCode == 4, deploy.ToString());
        var json = deploy.Json();
        Assert.Equal("failed", json.GetProperty("verification").GetProperty("outcome").GetString());
        Assert.Equal("rolled-back", json.GetProperty("automaticRollback").GetProperty("status").GetString());
        Assert.Null(before.FirstDifference(await SnapshotAsync()));

        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.Equal("rolled-back", history[0].GetProperty("status").GetString());
        Assert.Contains("verification failed after deploy: check 'health' failed", history[0].GetProperty("rollbackReason").GetString(), StringComparison.Ordinal);
        Assert.Contains("returned 500", history[0].GetProperty("rollbackReason").GetString(), StringComparison.Ordinal);

        var audit = (await Rewind("audit", "--json")).Json().GetProperty("entries").EnumerateArray().ToList();
        var auto = Assert.Single(audit, e => e.GetProperty("operation").GetString() == "auto-rollback");
        Assert.Equal("succeeded", auto.GetProperty("outcome").GetString());
        Assert.Contains("returned 500", auto.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("failed", audit.Last(e => e.GetProperty("operation").GetString() == "deploy").GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task With_no_auto_rollback_a_failed_verification_leaves_the_deployment_applied_and_says_so()
    {
        await ConfigureAsync();
        var deploy = await Rewind("deploy", Bundle("bad", "broken"), "--target", "env1", "--no-auto-rollback", "--reason", "staging: keep it to debug", "--json");

        Assert.Equal(4, deploy.ExitCode);
        Assert.Equal("applied", deploy.Json().GetProperty("status").GetString());
        var history = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments");
        Assert.False(history[0].GetProperty("autoRollback").GetBoolean());
        Assert.Equal("\"broken\"", await new SqliteProvider().ScalarAsync(TargetDb, "SELECT body FROM rw_records WHERE key = 'feature'"));
    }

    [Fact]
    public async Task A_rollback_whose_post_rollback_check_fails_freezes_the_target_and_escalates_once()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("deploy", Bundle("one", "on"), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("deploy", Bundle("two", "on-too"), "--target", "env1")).ExitCode);
        _healthDown = true;

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "ticket 99", "--json");

        Assert.True(rollback.ExitCode == 4, rollback.ToString());
        Assert.Equal("frozen", rollback.Json().GetProperty("state").GetString());
        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal("frozen", status.GetProperty("state").GetString());
        Assert.Contains("did not verify", status.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var hooks = _server.Requests.Where(r => r.Path == "/hook").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(["rollback-started", "target-frozen"], hooks.Select(h => h.GetProperty("event").GetString()));
        var frozen = Assert.Single(hooks, h => h.GetProperty("event").GetString() == "target-frozen");
        Assert.Equal("env1", frozen.GetProperty("target").GetString());
        Assert.Equal("two", frozen.GetProperty("bundle").GetString());
        Assert.Equal("ticket 99", frozen.GetProperty("reason").GetString());
        Assert.Equal("cli-tester", frozen.GetProperty("who").GetString());
        Assert.StartsWith("two (", frozen.GetProperty("fromVersion").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("one (", frozen.GetProperty("toVersion").GetString(), StringComparison.Ordinal);
        Assert.Equal("frozen", frozen.GetProperty("outcome").GetString());
        Assert.True(frozen.GetProperty("durationSeconds").GetDouble() >= 0);

        _healthDown = false;
        var deploy = await Rewind("deploy", Bundle("three", "on"), "--target", "env1");
        Assert.Equal(3, deploy.ExitCode);
        Assert.Contains("frozen", deploy.Stderr, StringComparison.Ordinal);
        var again = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test");
        Assert.Equal(3, again.ExitCode);
        Assert.Single(_server.Requests, r => r.Path == "/hook" && r.Body.Contains("target-frozen", StringComparison.Ordinal));

        var unfreeze = await Rewind("unfreeze", "--target", "env1", "--reason", "metadata checked by hand", "--json");
        Assert.True(unfreeze.ExitCode == 0, unfreeze.ToString());
        Assert.Equal("off-train", unfreeze.Json().GetProperty("state").GetString());
    }

    [Fact]
    public async Task Hooks_run_in_order_with_their_output_recorded()
    {
        await ConfigureAsync(hooks: """
                hooks:
                  beforeDeploy: ["echo before-deploy >> hooks.log"]
                  afterDeploy: ["echo after-deploy >> hooks.log; echo deployed $REWIND_DEPLOYMENT"]
                  beforeRollback: ["echo maintenance-on >> hooks.log", "echo workers-stopped >> hooks.log"]
                  afterRollback: ["echo flush-caches >> hooks.log", "echo maintenance-off >> hooks.log"]
            """);
        Assert.Equal(0, (await Rewind("deploy", Bundle("one", "on"), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test")).ExitCode);

        Assert.Equal(["before-deploy", "after-deploy", "maintenance-on", "workers-stopped", "flush-caches", "maintenance-off"], await File.ReadAllLinesAsync(_folder.Combine("hooks.log")));
        var hooks = (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments")[0].GetProperty("hooks");
        Assert.Equal(6, hooks.GetArrayLength());
        Assert.Equal("afterDeploy", hooks[1].GetProperty("hook").GetString());
        Assert.Equal("deployed d0001", hooks[1].GetProperty("output").GetString());
    }

    [Fact]
    public async Task A_failing_before_rollback_hook_leaves_everything_unchanged()
    {
        await ConfigureAsync(hooks: """
                hooks:
                  beforeRollback: ["echo cannot enter maintenance mode; exit 3", "echo never-run >> hooks.log"]
            """);
        Assert.Equal(0, (await Rewind("deploy", Bundle("one", "on"), "--target", "env1")).ExitCode);
        var before = await SnapshotAsync();
        var hooksBefore = _server.Requests.Count(r => r.Path == "/hook");

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "test");

        Assert.Equal(4, rollback.ExitCode);
        Assert.Contains("beforeRollback hook", rollback.Stderr, StringComparison.Ordinal);
        Assert.Contains("cannot enter maintenance mode", rollback.Stderr, StringComparison.Ordinal);
        Assert.Null(before.FirstDifference(await SnapshotAsync()));
        Assert.False(File.Exists(_folder.Combine("hooks.log")));
        var status = (await Rewind("status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal("on-train", status.GetProperty("state").GetString());
        Assert.Equal("verified", (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments")[0].GetProperty("status").GetString());
        Assert.True(_server.Requests.Count(r => r.Path == "/hook") > hooksBefore);
    }

    [Fact]
    public async Task Sql_and_command_checks_gate_verification()
    {
        await ConfigureAsync(extraChecks: """
                  - name: flag-present
                    sql: SELECT count(*) > 0 FROM rw_records WHERE type = 'flag'
                  - name: smoke
                    command: test -f smoke-ok
            """);
        var failing = await Rewind("deploy", Bundle("one", "on"), "--target", "env1", "--no-auto-rollback", "--reason", "staging: keep it to debug", "--json");
        Assert.Equal(4, failing.ExitCode);
        var checks = failing.Json().GetProperty("verification").GetProperty("checks");
        Assert.Equal(["passed", "passed", "failed"], checks.EnumerateArray().Select(c => c.GetProperty("outcome").GetString()));

        await File.WriteAllTextAsync(_folder.Combine("smoke-ok"), "");
        var rerun = await Rewind("deploy", Bundle("one", "on"), "--target", "env1", "--json");
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal("verified", rerun.Json().GetProperty("status").GetString());
    }

    private async Task<Rewind.Core.Targets.TargetSnapshot> SnapshotAsync()
    {
        await using var store = new Rewind.Sqlite.SqliteTargetStore(_folder.Combine("env1.db"));
        return await store.SnapshotAsync();
    }
}
