using System.Diagnostics;
using Rewind.Core.Targets;
using Rewind.Tests.Support;

namespace Rewind.Tests.Releases;

/// <summary>
/// Crash injection: the real executable is killed with SIGKILL at random points of release deploys and
/// rollbacks. After each kill the same command is run again; it must complete the operation, and the
/// target's records, data copies and slot versions must equal exactly the state before or after — never a mix.
/// <c>scripts/test</c> runs at least 20 kills; <c>scripts/test --full</c> (REWIND_FULL=1) runs 200.
/// </summary>
public sealed class CrashTrialTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static bool Full => Environment.GetEnvironmentVariable("REWIND_FULL") == "1";

    [Fact]
    public async Task Release_deploys_and_rollbacks_killed_at_random_points_complete_when_run_again()
    {
        var wantedKills = Full ? 200 : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("REWIND_SEED"), out var s) ? s : 20261127;
        var random = new Random(seed);

        var work = _folder.Combine("work");
        var reference = _folder.Combine("reference");
        var release = BuildRelease().WriteTo(_folder.Combine("release"));
        await SetUpAsync(work);
        await SetUpAsync(reference);
        var before = await SnapshotAsync(work);

        // The reference target takes the release without interruption: its state is "after", and its
        // duration calibrates where kills land.
        var watch = Stopwatch.StartNew();
        var clean = await CliRunner.RunAsync(reference, "deploy", release, "--target", "env1");
        var duration = watch.Elapsed;
        Assert.True(clean.ExitCode == 0, clean.ToString());
        var after = await SnapshotAsync(reference);
        Assert.NotNull(before.FirstDifference(after));

        var kills = 0;
        var trials = 0;
        var applied = false;
        while (kills < wantedKills)
        {
            Assert.True(++trials <= wantedKills * 4, $"only {kills} of {trials} trials hit a running process (seed {seed})");
            string[] command = applied
                ? ["rollback", "--target", "env1", "--deployment", await AppliedDeploymentAsync(work), "--yes", "--reason", "test"]
                : ["deploy", release, "--target", "env1"];
            // Half the kills land at a random time, half just after a random journal step is written, so the
            // narrow windows between steps (metadata committed, slots not yet switched) are hit too.
            var atStep = random.Next(2) == 0 ? random.Next(1, 9) : 0;
            var delay = TimeSpan.FromMilliseconds(random.Next(20, (int)Math.Max(60, duration.TotalMilliseconds * 1.1)));
            var journaled = await JournalLengthAsync(work);
            var killedAt = "";
            using (var process = CliRunner.Start(work, CliRunner.As("crash-trial"), command))
            {
                var clock = Stopwatch.StartNew();
                while (!process.HasExited && clock.Elapsed < (atStep > 0 ? TimeSpan.FromSeconds(30) : delay))
                {
                    if (atStep > 0 && await JournalLengthAsync(work) >= journaled + atStep)
                    {
                        break;
                    }

                    await Task.Delay(atStep > 0 ? 1 : 5);
                }

                if (!process.HasExited)
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                    kills++;
                    killedAt = atStep > 0 ? $"after journal entry {atStep}" : $"after {clock.ElapsedMilliseconds} ms";
                }
            }

            var rerun = await CliRunner.RunAsync(work, command);
            var context = $"trial {trials} (seed {seed}): {command[0]} killed {(killedAt.Length == 0 ? "never (it finished)" : killedAt)}, re-run: {rerun}";
            Assert.True(rerun.ExitCode == 0 || (applied && rerun.ExitCode == 3 && rerun.Stderr.Contains("already rolled back", StringComparison.Ordinal)), context);

            applied = !applied;
            var expected = applied ? after : before;
            var difference = expected.FirstDifference(await SnapshotAsync(work));
            Assert.True(difference is null, $"{context}\nstate is a mix: {difference}");
            Assert.Equal(applied ? "2.0.0" : "1.0.0", Path.GetFileName(new FileInfo(Path.Combine(work, "deploy", "frontend", "current")).LinkTarget!));
            Assert.Equal(applied ? "2.0.0" : "1.0.0", await File.ReadAllTextAsync(Path.Combine(work, "backend.version")));
            if (!applied)
            {
                var clear = await CliRunner.RunAsync(work, "clear", "--target", "env1", "--reason", "crash trial");
                Assert.True(clear.ExitCode == 0, clear.ToString());
            }
        }

        var status = (await CliRunner.RunAsync(work, "status", "--json")).Json().GetProperty("targets")[0];
        Assert.Equal("on-train", status.GetProperty("state").GetString());
    }

    /// <summary>How many journal entries the target's deployments hold, read from the control-plane file as the process writes it.</summary>
    private static async Task<int> JournalLengthAsync(string folder)
    {
        try
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder, "rewind.db")};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT coalesce(sum(json_array_length(document, '$.steps')), 0) FROM rw_ledger_deployments";
            return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0;
        }
    }

    private static async Task<string> AppliedDeploymentAsync(string folder) =>
        (await CliRunner.RunAsync(folder, "history", "--target", "env1", "--json")).Json().GetProperty("deployments").EnumerateArray()
            .First(d => d.GetProperty("bundle").GetString() == "crash-release" && d.GetProperty("status").GetString() is "verified" or "applied")
            .GetProperty("id").GetString()!;

    private static BundleBuilder BuildRelease()
    {
        var bundle = new BundleBuilder("crash-release")
            .SimpleTable("price_list", ("amount", "real"))
            .DataCopy("price_list", Enumerable.Range(0, 500).Select(i => $"{{\"id\":\"p{i}\",\"amount\":{i}.5}}").ToArray())
            .Code("frontend", "2.0.0", BundleBuilder.Zip(Enumerable.Range(0, 50).Select(i => ($"assets/{i}.js", new string('x', 2000))).Append(("index.html", "v2")).ToArray()))
            .CodeRef("backend", "2.0.0", "registry/api:2.0.0");
        for (var i = 0; i < 20_000; i++)
        {
            bundle.Upsert(i % 3 == 0 ? "platform" : i % 3 == 1 ? "apps" : "partner", i % 2 == 0 ? "workflow" : "rule", $"k{i}", $"{{\"n\":{i},\"text\":\"release body {i}\"}}");
        }

        return bundle;
    }

    private static async Task SetUpAsync(string folder)
    {
        var frontend = Path.Combine(folder, "deploy", "frontend");
        Directory.CreateDirectory(Path.Combine(frontend, "releases", "1.0.0"));
        await File.WriteAllTextAsync(Path.Combine(frontend, "releases", "1.0.0", "index.html"), "v1");
        File.CreateSymbolicLink(Path.Combine(frontend, "current"), Path.Combine("releases", "1.0.0"));
        await File.WriteAllTextAsync(Path.Combine(folder, "backend.version"), "1.0.0");
        await File.WriteAllTextAsync(Path.Combine(folder, "rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                code:
                  frontend:
                    deployer: directory
                    root: deploy/frontend
                  backend:
                    deployer: command
                    deploy: printf '%s' {version} > backend.version.tmp && mv backend.version.tmp backend.version
                    current: cat backend.version
            """);
        var prior = new BundleBuilder("prior");
        for (var i = 0; i < 20_000; i += 7)
        {
            prior.Upsert("platform", "workflow", $"k{i}", $"{{\"prior\":{i}}}");
        }

        var result = await CliRunner.RunAsync(folder, "deploy", prior.WriteTo(Path.Combine(folder, "prior-bundle")), "--target", "env1");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static async Task<TargetSnapshot> SnapshotAsync(string folder)
    {
        await using var store = new Rewind.Sqlite.SqliteTargetStore(Path.Combine(folder, "env1.db"));
        return await store.SnapshotAsync();
    }
}
