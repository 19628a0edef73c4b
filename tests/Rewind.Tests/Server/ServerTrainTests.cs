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
}
