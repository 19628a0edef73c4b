using System.Text.RegularExpressions;
using Rewind.Tests.Support;

namespace Rewind.Tests.Architecture;

/// <summary>Rules of the code's shape that review alone would let slip (issue 18; STYLE.md).</summary>
public sealed partial class SourceShapeTests
{
    private static string SourceRoot() => Path.Combine(CliRunner.RepositoryRoot, "src");

    [Fact]
    public void A_deployments_status_is_assigned_in_the_lifecycle_only()
    {
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(SourceRoot(), "*.cs", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "DeploymentLifecycle.cs" || file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            var mentionsStatus = lines.Any(l => l.Contains("DeploymentStatus", StringComparison.Ordinal));
            for (var i = 0; i < lines.Length; i++)
            {
                if (mentionsStatus && StatusAssignment().IsMatch(lines[i]))
                {
                    offenders.Add($"{Path.GetRelativePath(SourceRoot(), file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "a deployment's status changes only through DeploymentLifecycle's transitions:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void No_source_file_passes_400_lines()
    {
        var files = SourceFiles().ToList();
        var tooLong = files.Select(f => (File: f, Lines: File.ReadLines(f).Count())).Where(f => f.Lines > 400)
            .Select(f => $"{Path.GetRelativePath(SourceRoot(), f.File)}: {f.Lines} lines").ToList();

        Assert.True(files.Count > 100, $"found only {files.Count} source files under {SourceRoot()}");
        Assert.True(tooLong.Count == 0, "a file that passes 400 lines is asking to be split (STYLE.md):\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void The_engine_is_a_thin_facade_over_use_cases()
    {
        var engine = SourceFiles().Where(f => File.ReadAllText(f).Contains("class RewindEngine", StringComparison.Ordinal)).ToList();

        var facade = Assert.Single(engine);
        Assert.DoesNotContain("partial class RewindEngine", File.ReadAllText(facade), StringComparison.Ordinal);
        var lines = File.ReadLines(facade).Count();
        Assert.True(lines < 300, $"{Path.GetRelativePath(SourceRoot(), facade)} has {lines} lines: the façade delegates to the use cases in Core/Engine, it does not hold them");
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [GeneratedRegex(@"\bStatus\s*=(?![=>])")]
    private static partial Regex StatusAssignment();
}
