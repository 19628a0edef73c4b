using Rewind.Tests.Support;

namespace Rewind.Tests.Authoring;

/// <summary><c>rewind bundle make</c> as an operator runs it: the real CLI in a process, from a fresh <c>rewind init</c>.</summary>
public sealed class BundleMakeCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private async Task SetUpAsync()
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);
        await File.AppendAllTextAsync(_folder.Combine("rewind.yaml"), "  dev:\n    database: sqlite:dev.db\n");
        var bundle = new BundleBuilder("dev-work").Upsert("platform", "workflow", "approval", "{\"steps\":[\"submit\",\"approve\"]}").WriteTo(_folder.Combine("b", "dev-work"));
        var deployed = await Rewind("deploy", bundle, "--target", "dev", "--reason", "dev work");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
    }

    [Fact]
    public async Task Make_then_deploy_promotes_the_source_and_a_second_make_is_empty()
    {
        await SetUpAsync();

        var made = await Rewind("bundle", "make", "--from", "dev", "--target", "env1", "--out", "promote", "--json");
        Assert.True(made.ExitCode == 0, made.ToString());
        Assert.Equal(1, made.Json().GetProperty("records").GetProperty("upserts").GetInt32());
        Assert.StartsWith("made by rewind bundle make from target dev (fingerprint sha256:", made.Json().GetProperty("description").GetString(), StringComparison.Ordinal);

        var deployed = await Rewind("deploy", "promote", "--target", "env1", "--reason", "promote");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        var again = await Rewind("bundle", "make", "--from", "dev", "--target", "env1", "--out", "again.zip", "--zip");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("the targets already agree on everything selected", again.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.Combine("again.zip")));
    }

    [Theory]
    [InlineData("--tables", "rw_records")]
    [InlineData("--tables", "orders")]
    [InlineData("--layers", "nosuchlayer")]
    public async Task A_selection_the_target_would_refuse_exits_2_naming_it_and_writes_no_bundle(string option, string value)
    {
        await SetUpAsync();
        var before = await File.ReadAllBytesAsync(_folder.Combine("dev.db"));

        var refused = await Rewind("bundle", "make", "--from", "dev", "--target", "env1", "--out", "refused", option, value);

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains($"'{value}'", refused.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("refused")));
        Assert.Equal(before, await File.ReadAllBytesAsync(_folder.Combine("dev.db")));
        Assert.False(File.Exists(_folder.Combine("env1.db")));
    }
}
