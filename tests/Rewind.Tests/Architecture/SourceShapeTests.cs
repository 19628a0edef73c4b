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

    [GeneratedRegex(@"\bStatus\s*=(?![=>])")]
    private static partial Regex StatusAssignment();
}
