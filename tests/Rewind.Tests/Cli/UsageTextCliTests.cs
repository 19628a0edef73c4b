using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>What a newcomer reads first: help that names every state the commands show and skip.</summary>
public sealed class UsageTextCliTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("status", "on-train, off-train, frozen or diverged")]
    [InlineData("status", "needs investigation")]
    [InlineData("deploy", "skipping off-train, frozen and diverged targets")]
    [InlineData("rollback", "row changes")]
    public async Task Help_names_the_states_and_changes_the_command_shows(string command, string expected)
    {
        var root = await CliRunner.RunAsync(_folder.Path, "--help");
        var own = await CliRunner.RunAsync(_folder.Path, command, "--help");

        Assert.Equal((0, 0), (root.ExitCode, own.ExitCode));
        var text = string.Join(" ", (command == "status" ? root.Stdout : own.Stdout).Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }
}
