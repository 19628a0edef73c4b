using Rewind.Tests.Support;

namespace Rewind.Tests.Rules;

/// <summary>Deploy windows through the real executable, on the real clock: the window is chosen so that now is outside it.</summary>
public sealed class DeployWindowCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Bundle(string id) => new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{id}\"").WriteTo(_folder.Combine("b", id));

    private Task ConfigAsync(string window) => File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
        store: sqlite:rewind.db
        targets:
          env1:
            database: sqlite:env1.db
            {window}
        """);

    [Fact]
    public async Task Outside_its_window_a_deploy_exits_3_the_exception_needs_a_reason_and_a_rollback_runs()
    {
        await ConfigAsync("");
        Assert.Equal(0, (await Rewind("deploy", Bundle("one"), "--target", "env1")).ExitCode);
        // Three to four hours from now, in UTC: now is outside it whatever the time of day.
        var now = DateTime.UtcNow;
        await ConfigAsync($"window: \"{now.AddHours(3):HH:mm}-{now.AddHours(4):HH:mm}\"\n    timezone: UTC");

        var refused = await Rewind("deploy", Bundle("two"), "--target", "env1");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("accepts deploys only inside its window", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("next opens", (await Rewind("plan", Bundle("two"), "--target", "env1")).Stdout, StringComparison.Ordinal);
        Assert.Contains("next opens", (await Rewind("status", "--json")).Json().GetProperty("targets")[0].GetProperty("window").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await Rewind("deploy", Bundle("two"), "--target", "env1", "--outside-window")).ExitCode);

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "INC-3");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.Equal(0, (await Rewind("clear", "--target", "env1", "--reason", "fixed")).ExitCode);
        var forced = await Rewind("deploy", Bundle("two"), "--target", "env1", "--outside-window", "--reason", "INC-3 hotfix");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var entry = (await Rewind("audit", "--operation", "deploy", "--json")).Json().GetProperty("entries").EnumerateArray().Last();
        Assert.Contains("outside its window", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timezone: UTC", "timezone without a window")]
    [InlineData("window: \"1-6\"", "HH:mm-HH:mm")]
    [InlineData("window: \"01:00-06:00\"\n    timezone: Nowhere/Else", "not a known time zone")]
    public async Task A_bad_window_is_a_configuration_error(string window, string message)
    {
        await ConfigAsync(window);
        var result = await Rewind("status");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }
}
