using System.Diagnostics;
using System.Text.RegularExpressions;
using Rewind.Tests.Support;

namespace Rewind.Tests.Authoring;

/// <summary>docs/authoring.md's promote-from-dev workflow runs verbatim, every ```bash block in order, from an empty folder.</summary>
public sealed partial class AuthoringDocTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [GeneratedRegex("```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [Fact]
    public async Task The_authoring_walkthrough_runs_verbatim_and_its_second_make_is_empty()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(CliRunner.RepositoryRoot, "docs", "authoring.md"));
        var walkthrough = string.Join("\n", BashBlock().Matches(doc).Select(m => m.Groups[1].Value));
        foreach (var command in new[] { "rewind bundle make", "rewind bundle inspect", "rewind diff", "rewind plan", "rewind rehearse", "rewind deploy ./promote", "rewind rollback" })
        {
            Assert.Contains(command, walkthrough, StringComparison.Ordinal);
        }

        var result = await CliRunner.RunScriptAsync(_folder.Path, walkthrough, TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Stdout;
        Assert.Contains("2 records to upsert, 1 record to delete", output, StringComparison.Ordinal);
        Assert.Contains("the targets already agree on everything selected", output, StringComparison.Ordinal);
        Assert.Contains("Rolled back", output, StringComparison.Ordinal);
    }
}
