using Rewind.Sqlite;
using Rewind.Tests.Server;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>
/// With <c>roles:</c> declared, every operation that changes something asks the one authorizer — deploy and
/// rollback included, from the CLI as from the API — and a refusal changes nothing and is audited (issue 18).
/// </summary>
public sealed class RolesCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task ConfigureAsync() => await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
        store: sqlite:rewind.db
        targets:
          env1:
            database: sqlite:env1.db
        roles:
          bob: [deployer]
          olga: [operator]
          tara: [train-admin]
          ada: [admin]
        """);

    private Task<CliResult> Rewind(string who, params string[] args) => CliRunner.RunAsync(_folder.Path, [.. args, "--as", who]);

    private string Bundle(string id, string value) =>
        new BundleBuilder(id).Upsert("platform", "rule", "a", value).WriteTo(_folder.Combine(id));

    [Fact]
    public async Task A_deployer_deploys_but_may_not_roll_back_and_an_operator_rolls_back_but_may_not_deploy()
    {
        await ConfigureAsync();
        var deployed = await Rewind("bob", "deploy", Bundle("b1", "1"), "--target", "env1");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());

        var operatorDeploy = await Rewind("olga", "deploy", Bundle("b2", "2"), "--target", "env1");
        Assert.Equal(3, operatorDeploy.ExitCode);
        Assert.Contains("olga may not deploy: it takes the deployer role", operatorDeploy.Stderr, StringComparison.Ordinal);

        var deployerRollback = await Rewind("bob", "rollback", "--target", "env1", "--yes", "--reason", "broke", "--json");
        Assert.Equal(3, deployerRollback.ExitCode);
        Assert.Contains("bob may not roll back: it takes the operator role", deployerRollback.Stdout + deployerRollback.Stderr, StringComparison.Ordinal);
        Assert.Equal("verified", await NewestStatusAsync());

        var stranger = await Rewind("mallory", "rollback", "--target", "env1", "--yes", "--reason", "broke");
        Assert.Equal(3, stranger.ExitCode);
        Assert.Equal(2, (await Rewind("mallory", "rollback", "--target", "nope", "--yes", "--reason", "broke")).ExitCode);
        Assert.Equal("verified", await NewestStatusAsync());

        var rolledBack = await Rewind("olga", "rollback", "--target", "env1", "--yes", "--reason", "broke");
        Assert.True(rolledBack.ExitCode == 0, rolledBack.ToString());
        Assert.Equal("rolled-back", await NewestStatusAsync());

        var refusals = (await new SqliteAuditLog(_folder.Combine("rewind.db")).ReadAsync(new Core.Audit.AuditQuery()))
            .Where(e => e.Outcome == "refused:not-authorized").Select(e => (e.Who, e.Operation)).ToList();
        Assert.Contains(("olga", "deploy"), refusals);
        Assert.Contains(("bob", "rollback"), refusals);
        Assert.Contains(("mallory", "rollback"), refusals);
    }

    [Fact]
    public async Task Recover_realign_and_gc_take_their_roles_and_a_dry_run_changes_nothing_so_takes_none()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("bob", "deploy", Bundle("b1", "1"), "--target", "env1")).ExitCode);

        var recover = await Rewind("bob", "recover", "--target", "env1");
        Assert.Equal(3, recover.ExitCode);
        Assert.Contains("bob may not recover a target: it takes the operator role", recover.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("olga", "recover", "--target", "env1")).ExitCode);

        var rehearse = await Rewind("olga", "rehearse", Bundle("b2", "2"), "--target", "env1");
        Assert.Equal(3, rehearse.ExitCode);
        Assert.Contains("olga may not rehearse a deploy", rehearse.Stderr, StringComparison.Ordinal);

        var gc = await Rewind("olga", "gc");
        Assert.Equal(3, gc.ExitCode);
        Assert.Contains("it takes the admin role", gc.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Rewind("olga", "gc", "--dry-run")).ExitCode);
        Assert.Equal(0, (await Rewind("ada", "gc")).ExitCode);
    }

    [Fact]
    public async Task Through_the_server_a_tokens_role_is_what_counts_not_the_roles_section()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("bob", "deploy", Bundle("b1", "1"), "--target", "env1")).ExitCode);
        var tokens = new SqliteTokenStore(_folder.Combine("rewind.db"));
        var oncall = await ServerProcess.CreateTokenAsync(tokens, "oncall", "operator");
        var pipeline = await ServerProcess.CreateTokenAsync(tokens, "pipeline", "deployer");
        await using var server = await ServerProcess.StartAsync(_folder.Path);

        using (var refused = await server.PostJsonAsync("/api/targets/env1/rollback", pipeline, """{"reason": "pipeline tries"}"""))
        {
            await ServerProcess.JsonOf(refused, 403);
        }

        Assert.Equal("verified", await NewestStatusAsync());
        using (var rollback = await server.PostJsonAsync("/api/targets/env1/rollback", oncall, """{"reason": "checkout broken"}"""))
        {
            // "oncall" is no person in roles: — the token proved the operator role at the API's edge.
            await ServerProcess.JsonOf(rollback, 200);
        }

        Assert.Equal("rolled-back", await NewestStatusAsync());
    }

    [Fact]
    public async Task On_a_real_terminal_a_caller_without_the_role_is_refused_before_the_question_is_asked()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("bob", "deploy", Bundle("b1", "1"), "--target", "env1")).ExitCode);

        var refused = await PtyRunner.RunAsync(_folder.Path, "[y/N]", "y", "rollback", "--target", "env1", "--reason", "INC-7", "--as", "bob");

        Assert.False(refused.SeenBeforeAnswer, refused.ToString());
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("bob may not roll back", refused.Before + refused.After, StringComparison.Ordinal);
        Assert.Equal("verified", await NewestStatusAsync());

        var asked = await PtyRunner.RunAsync(_folder.Path, "[y/N]", "n", "rollback", "--target", "env1", "--reason", "INC-7", "--as", "olga");
        Assert.True(asked.SeenBeforeAnswer, asked.ToString());
        Assert.Equal("verified", await NewestStatusAsync());
    }

    [Fact]
    public async Task A_roles_section_that_gives_nobody_a_role_is_a_configuration_error_not_everyone_may()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
            roles: {}
            """);

        var deploy = await Rewind("dave", "deploy", Bundle("b1", "1"), "--target", "env1");

        Assert.Equal(2, deploy.ExitCode);
        Assert.Contains("roles: is declared but gives nobody a role", deploy.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("env1.db")), "a refused configuration must change nothing");
    }

    [Fact]
    public async Task History_of_one_deployment_names_the_version_its_rollback_went_back_to()
    {
        await ConfigureAsync();
        foreach (var n in new[] { 1, 2, 3 })
        {
            Assert.Equal(0, (await Rewind("bob", "deploy", Bundle($"b{n}", $"{n}"), "--target", "env1")).ExitCode);
        }

        Assert.Equal(0, (await Rewind("olga", "rollback", "--target", "env1", "--yes", "--reason", "b3 broke")).ExitCode);

        var one = await Rewind("olga", "history", "--target", "env1", "--deployment", "d0003");
        var all = await Rewind("olga", "history", "--target", "env1");

        Assert.Contains("back to d0002 (b2)", one.Stdout, StringComparison.Ordinal);
        Assert.Contains("back to d0002 (b2)", all.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_to_takes_the_operator_role_like_any_rollback()
    {
        await ConfigureAsync();
        Assert.Equal(0, (await Rewind("bob", "deploy", Bundle("b1", "1"), "--target", "env1")).ExitCode);
        Assert.Equal(0, (await Rewind("bob", "deploy", Bundle("b2", "2"), "--target", "env1")).ExitCode);

        var stranger = await Rewind("mallory", "rollback", "--target", "env1", "--to", "d0001", "--yes", "--reason", "not mine to do");

        Assert.True(stranger.ExitCode == 3, stranger.ToString());
        Assert.Equal("verified", await NewestStatusAsync());
        var refusals = (await new SqliteAuditLog(_folder.Combine("rewind.db")).ReadAsync(new Core.Audit.AuditQuery()))
            .Where(e => e.Who == "mallory").Select(e => e.Outcome).ToList();
        Assert.Equal(["refused:not-authorized"], refusals);
    }

    [Fact]
    public async Task Nobody_gets_past_the_authorizer_by_calling_themselves_rewind_automatic()
    {
        await ConfigureAsync();
        var impostor = await Rewind("rewind (automatic)", "deploy", Bundle("b1", "1"), "--target", "env1");
        Assert.True(impostor.ExitCode == 3, impostor.ToString());

        Assert.Equal(0, (await Rewind("bob", "deploy", Bundle("b2", "2"), "--target", "env1")).ExitCode);
        var gc = await Rewind("rewind (automatic)", "gc");
        Assert.True(gc.ExitCode == 3, gc.ToString());
    }

    private async Task<string?> NewestStatusAsync()
    {
        var history = await Rewind("ada", "history", "--target", "env1", "--json");
        Assert.True(history.ExitCode == 0, history.ToString());
        return history.Json().GetProperty("deployments").EnumerateArray().First().GetProperty("status").GetString();
    }
}
