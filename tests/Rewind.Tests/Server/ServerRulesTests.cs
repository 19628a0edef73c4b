using System.Net;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary>The seeds' rules over HTTP: a deploy window closed now, the audited exception, and the window the dashboard shows.</summary>
public sealed class ServerRulesTests : IAsyncLifetime
{
    private readonly TestFolder _folder = new();
    private ServerProcess _server = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        // Three to four hours from now, in UTC: now is outside it whatever the time of day.
        var now = DateTime.UtcNow;
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                window: "{now.AddHours(3):HH:mm}-{now.AddHours(4):HH:mm}"
            """);
        _token = await ServerProcess.CreateTokenAsync(new SqliteTokenStore(_folder.Combine("rewind.db")), "deployer-token", "deployer");
        _server = await ServerProcess.StartAsync(_folder.Path);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_deploy_outside_the_window_is_409_and_lands_with_outside_window_and_a_reason()
    {
        var zip = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteZip(_folder.Combine("one.zip"));

        using (var refused = await _server.PostZipAsync("/api/targets/env1/deployments", _token, zip))
        {
            Assert.Contains("accepts deploys only inside its window", (await ServerProcess.JsonOf(refused, expected: 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var landed = await _server.PostZipAsync("/api/targets/env1/deployments?outsideWindow=true&reason=INC-4%20hotfix", _token, zip))
        {
            Assert.True(landed.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, await landed.Content.ReadAsStringAsync());
        }

        var target = (await _server.GetJsonAsync("/api/targets", _token)).GetProperty("targets")[0];
        Assert.Contains("next opens", target.GetProperty("window").GetString(), StringComparison.Ordinal);
    }
}
