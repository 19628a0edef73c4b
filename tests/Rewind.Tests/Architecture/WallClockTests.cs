using System.Text.RegularExpressions;
using Rewind.Tests.Support;

namespace Rewind.Tests.Architecture;

/// <summary>
/// Core and the adapters read time only from the TimeProvider they are given, so tests drive leases, heartbeats,
/// soaks and durations with a fake clock. BannedApiAnalyzers enforces this at build time (build/BannedSymbols.txt);
/// this test states the rule beside the code and catches a project that lost the analyzer.
/// </summary>
public sealed partial class WallClockTests
{
    private static readonly string[] Projects = ["Rewind.Core", "Rewind.Sqlite", "Rewind.Postgres"];

    [Fact]
    public void Core_and_the_adapters_never_read_the_wall_clock()
    {
        var offenders = new List<string>();
        foreach (var project in Projects)
        {
            var root = Path.Combine(CliRunner.RepositoryRoot, "src", project);
            foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }

                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    if (WallClock().IsMatch(lines[i]))
                    {
                        offenders.Add($"{Path.GetRelativePath(CliRunner.RepositoryRoot, file)}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "time comes from the TimeProvider (GetUtcNow, GetTimestamp/GetElapsedTime, Task.Delay(span, time, token)):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_rule_catches_each_way_of_reading_the_wall_clock()
    {
        Assert.All(["var now = DateTime.Now;", "DateTime.UtcNow", "DateTimeOffset.UtcNow.AddDays(1)", "DateTimeOffset.Now", "DateTime.Today", "var w = Stopwatch.StartNew();", "Thread.Sleep(100);"],
            line => Assert.Matches(WallClock(), line));
        Assert.All(["time.GetUtcNow()", "DateTimeOffset.UnixEpoch", "var start = _time.GetTimestamp();", "DateTime.Parse(s)"],
            line => Assert.DoesNotMatch(WallClock(), line));
    }

    [Fact]
    public void Every_project_of_the_rule_builds_with_the_banned_symbols()
    {
        foreach (var project in Projects)
        {
            var csproj = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "src", project, project + ".csproj"));
            Assert.Contains(@"build\BannedTime.props", csproj, StringComparison.Ordinal);
        }

        var banned = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot, "build", "BannedSymbols.txt"));
        Assert.All(["P:System.DateTime.Now;", "P:System.DateTime.UtcNow;", "P:System.DateTimeOffset.Now;", "P:System.DateTimeOffset.UtcNow;", "T:System.Diagnostics.Stopwatch;", "M:System.Threading.Thread.Sleep(System.Int32);"],
            symbol => Assert.Contains(symbol, banned, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"\bDateTime(Offset)?\.(Now|UtcNow|Today)\b|\bStopwatch\b|\bThread\.Sleep\b")]
    private static partial Regex WallClock();
}
