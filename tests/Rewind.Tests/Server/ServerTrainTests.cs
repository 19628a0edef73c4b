using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary>Groups and their train over HTTP: what <c>rewind train</c> shows, as JSON.</summary>
public sealed class ServerTrainTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_train_matrix_of_a_group_shows_each_target_its_position_and_each_bundle_state()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
              env2:
                database: sqlite:env2.db
            groups:
              eu:
                stages: [[env1], [env2]]
            """);
        var deployed = await CliRunner.RunAsync(_folder.Path, "deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--group", "eu");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        var store = new SqliteTokenStore(_folder.Combine("rewind.db"));
        var viewer = await ServerProcess.CreateTokenAsync(store, "viewer", "viewer");
        await using var server = await ServerProcess.StartAsync(_folder.Path);

        var groups = await server.GetJsonAsync("/api/groups", viewer);
        Assert.Equal("eu", groups.GetProperty("groups")[0].GetProperty("name").GetString());
        var train = await server.GetJsonAsync("/api/groups/eu/train", viewer);
        Assert.Equal(1, train.GetProperty("head").GetInt32());
        Assert.Equal("one", train.GetProperty("bundles")[0].GetProperty("bundle").GetString());
        Assert.Equal(["env1", "env2"], train.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.All(train.GetProperty("targets").EnumerateArray(), t =>
        {
            Assert.True(t.GetProperty("atHead").GetBoolean());
            Assert.Equal("verified", t.GetProperty("cells")[0].GetProperty("state").GetString());
        });
    }

    [Fact]
    public async Task A_deploy_to_a_member_is_409_unless_outside_train_with_a_reason_and_the_member_is_then_diverged()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
              env2:
                database: sqlite:env2.db
            groups:
              eu:
                stages: [[env1], [env2]]
            """);
        var deployed = await CliRunner.RunAsync(_folder.Path, "deploy", GroupEngine.Patch(1).WriteTo(_folder.Combine("b1")), "--group", "eu");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        var deployer = await ServerProcess.CreateTokenAsync(new SqliteTokenStore(_folder.Combine("rewind.db")), "ci", "deployer");
        await using var server = await ServerProcess.StartAsync(_folder.Path);
        var zip = GroupEngine.Patch(2).WriteZip(_folder.Combine("b2.zip"));

        using (var refused = await server.PostZipAsync("/api/targets/env2/deployments?reason=hotfix", deployer, zip))
        {
            var problem = await ServerProcess.JsonOf(refused, 409);
            Assert.Contains("member of group eu", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var outside = await server.PostZipAsync("/api/targets/env2/deployments?reason=partner%20hotfix&outsideTrain=true", deployer, zip))
        {
            await ServerProcess.JsonOf(outside, 200);
        }

        var env2 = await server.GetJsonAsync("/api/targets/env2", deployer);
        Assert.Equal("diverged", env2.GetProperty("state").GetString());
    }
}
