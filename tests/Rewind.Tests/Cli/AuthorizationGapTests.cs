using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>
/// Review of issue 18's one authorizer: operations that still change a target without asking it. Each test fails
/// on 00e751f and passes once the gap is closed.
/// </summary>
public sealed class AuthorizationGapTests : IDisposable
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
          ada: [admin]
        """);

    private Task<CliResult> Rewind(string who, params string[] args) => CliRunner.RunAsync(_folder.Path, [.. args, "--as", who]);

    private string Bundle(string id, string value) =>
        new BundleBuilder(id).Upsert("platform", "rule", "a", value).WriteTo(_folder.Combine(id));

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
