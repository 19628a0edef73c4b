using System.Diagnostics;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>The README is the front door: its 60-second example runs verbatim, from an empty folder, against the built CLI.</summary>
public sealed class ReadmeExampleTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The first ```bash block after the "A 60-second example" heading, exactly as written.</summary>
    private static string SixtySecondExample()
    {
        var readme = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("## A 60-second example", StringComparison.Ordinal)..];
        var start = section.IndexOf("```bash\n", StringComparison.Ordinal) + "```bash\n".Length;
        return section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
    }

    [Fact]
    public async Task The_readme_60_second_example_runs_verbatim_from_a_scratch_directory()
    {
        var example = SixtySecondExample();
        Assert.Contains("rewind deploy", example, StringComparison.Ordinal);
        Assert.Contains("rewind rollback", example, StringComparison.Ordinal);
        // `rewind` is the built CLI; every line must succeed, as a newcomer pasting it would expect.
        var result = await CliRunner.RunScriptAsync(_folder.Path, example, TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Stdout;
        Assert.Contains("Rolled back", output, StringComparison.Ordinal);
        Assert.Contains("2026.11.2-apps", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder.Path, "env1.db")));
    }
}
