using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>What a newcomer reads first: help that names every state the commands show and skip, and clean usage errors.</summary>
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

    [Fact]
    public async Task A_value_outside_the_allowed_ones_is_exit_2_in_one_clean_line_naming_them()
    {
        var result = await CliRunner.RunAsync(_folder.Path, "status", "--log-format", "bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("rewind: --log-format must be text or json, not 'bogus' (see: rewind --help)", result.Stderr.TrimEnd('\n', '\r'));
    }
}
