using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Train;

/// <summary>
/// <c>groups.G.parallel</c> through the real executable on real SQLite targets: a 12-target stage whose check takes
/// about a second, four at a time. Facts from each target's own journal, not the wall clock: the checks overlapped,
/// never more than four at once, for the rollout and for the whole-group rollback.
/// </summary>
public sealed class ParallelStageProcessTests : IDisposable
{
    private const int Targets = 12;
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    [Fact]
    public async Task A_twelve_target_stage_with_parallel_four_overlaps_at_most_four_checks_and_each_target_has_its_own_journal()
    {
        var names = Enumerable.Range(1, Targets).Select(i => $"t{i:00}").ToList();
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
            {string.Join("\n", names.Select(n => $"  {n}:\n    database: sqlite:{n}.db\n    checks:\n      - name: slow\n        command: sleep 1"))}
            groups:
              fleet:
                stages: [[{string.Join(", ", names)}]]
                parallel: 4
            """);

        var rollout = await Rewind("deploy", GroupEngine.Patch(1).WriteTo(_folder.Combine("b1")), "--group", "fleet", "--json");

        Assert.True(rollout.ExitCode == 0, rollout.ToString());
        var deployed = rollout.Json().GetProperty("stages")[0].GetProperty("deployed").EnumerateArray()
            .ToDictionary(d => d.GetProperty("target").GetString()!, d => d.GetProperty("deployment").GetString()!);
        Assert.Equal(names, deployed.Keys.Order());
        Assert.Equal(Targets, deployed.Values.Distinct().Count());

        var rollback = await Rewind("rollback", "--group", "fleet", "--reason", "fleet test", "--yes", "--json");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.All(rollback.Json().GetProperty("members").EnumerateArray(), m => Assert.Equal("rolled-back", m.GetProperty("outcome").GetString()));

        var deployChecks = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        var rollbackChecks = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        foreach (var (target, id) in deployed)
        {
            var journal = await JournalAsync(target, id);
            Assert.Contains(journal, s => s.GetProperty("step").GetString() == "lock");
            var verify = Intervals(journal, "verify");
            Assert.Equal(2, verify.Count);
            deployChecks.Add(verify[0]);
            rollbackChecks.Add(verify[1]);
        }

        foreach (var checks in new[] { deployChecks, rollbackChecks })
        {
            var most = MostAtOnce(checks);
            Assert.True(most is > 1 and <= 4, $"at most {most} checks ran at once; expected 2 to 4");
        }
    }

    private async Task<List<JsonElement>> JournalAsync(string target, string id)
    {
        var history = await Rewind("history", "--target", target, "--deployment", id, "--json");
        Assert.True(history.ExitCode == 0, history.ToString());
        var deployment = history.Json().GetProperty("deployment");
        Assert.Equal(target, deployment.GetProperty("target").GetString());
        return deployment.GetProperty("steps").EnumerateArray().ToList();
    }

    /// <summary>Each run of a journal step, from "started" to "done", in journal order.</summary>
    private static List<(DateTimeOffset Start, DateTimeOffset End)> Intervals(List<JsonElement> steps, string step)
    {
        var mine = steps.Where(s => s.GetProperty("step").GetString() == step).ToList();
        var starts = mine.Where(s => s.GetProperty("state").GetString() == "started").Select(s => s.GetProperty("at").GetDateTimeOffset()).ToList();
        var ends = mine.Where(s => s.GetProperty("state").GetString() == "done").Select(s => s.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(starts.Count, ends.Count);
        return starts.Zip(ends).ToList();
    }

    /// <summary>The most intervals open at one instant (an end and a start at the same instant do not overlap).</summary>
    private static int MostAtOnce(List<(DateTimeOffset Start, DateTimeOffset End)> intervals) =>
        intervals.SelectMany(i => new[] { (At: i.Start, Delta: 1), (At: i.End, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta)
            .Aggregate((Open: 0, Most: 0), (acc, e) => (acc.Open + e.Delta, Math.Max(acc.Most, acc.Open + e.Delta))).Most;
}
