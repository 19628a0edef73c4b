using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Verification;
using Rewind.Tests.Support;

namespace Rewind.Tests.Verification;

/// <summary>A failed command check says what it printed, or that it printed nothing (not a dangling "exit 1: ").</summary>
public sealed class CommandCheckDetailTests
{
    [Theory]
    [InlineData("exit 3", "exit 3 (no output)")]
    [InlineData("echo orders stuck; exit 2", "exit 2: orders stuck")]
    public async Task A_failed_command_checks_detail_says_its_exit_code_and_what_it_printed(string command, string detail)
    {
        using var folder = new TestFolder();
        using var http = new HttpClient();

        var result = await new Verifier(http, folder.Path, TimeProvider.System).VerifyAsync([new CommandCheck { Name = "health", Command = command }], null!, new Dictionary<string, string>(), CancellationToken.None);

        var check = Assert.Single(result.Checks);
        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.Equal(detail, check.Detail.Trim());
    }
}
