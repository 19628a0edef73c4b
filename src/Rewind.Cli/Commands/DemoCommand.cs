using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Cli.Commands;

/// <summary>
/// A complete walk-through on a throwaway SQLite target: three deployments, the 3 AM rollback, an
/// out-of-order rollback refused, the off-train hold and its clearing — each step explained.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var dir = new Option<string?>("--dir") { Description = "Folder to run in (default: a new temporary folder)" };
        var keep = new Option<bool>("--keep") { Description = "Keep the folder afterwards to look around" };
        var command = new Command("demo", "A complete walk-through on throwaway SQLite targets") { dir, keep };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), "rewind-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(folder);
            try
            {
                return await RunAsync(folder, cancellationToken);
            }
            finally
            {
                if (!parse.GetValue(keep) && parse.GetValue(dir) is null)
                {
                    Directory.Delete(folder, recursive: true);
                }
                else
                {
                    Output.Line($"The demo's files are in {Output.Esc(folder)} (rewind.yaml, shop.db, bundles/).");
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string folder, CancellationToken cancellationToken)
    {
        var configPath = Path.Combine(folder, RewindConfig.FileName);
        await File.WriteAllTextAsync(configPath, "store: sqlite:rewind.db\nartifacts: .rewind/artifacts\ntargets:\n  shop:\n    database: sqlite:shop.db\n", cancellationToken);
        var engine = await RewindHost.CreateEngineAsync(ConfigLoader.Load(configPath), TimeProvider.System, cancellationToken, RewindCli.Telemetry.Logging);
        var bundles = await WriteBundlesAsync(Path.Combine(folder, "bundles"), cancellationToken);
        var failures = 0;

        Step("Rewind demo", $"A throwaway SQLite target 'shop' in {folder}. Three bundles will be deployed; before each, Rewind captures the inverse bundle: the prior image of everything it touches.");

        var deployed = new List<Deployment>();
        foreach (var (path, what) in bundles)
        {
            var result = await engine.DeployAsync(new DeployRequest(path, "shop", "demo", what), cancellationToken: cancellationToken);
            deployed.Add(result.Deployment);
            Step($"deploy {result.Deployment.BundleId}", $"{what}. Deployment {result.Deployment.Id}: {Output.Count(result.Summary.Records, "record")}, {Output.Count(result.Summary.Rows, "row")}"
                + (result.Summary.TablesCreated.Count > 0 ? $", created table {string.Join(", ", result.Summary.TablesCreated)}" : "")
                + $". Inverse stored as {result.Deployment.InverseDigest![..19]}…");
        }

        Step("3 AM", "The partner reports a regression. Nobody knows which change caused it. The operator answers one question: roll back the last deployment, yes or no? Yes.");
        var rolled = await engine.RollbackAsync(new RollbackRequest("shop", "operator", "partner ticket 4711: orders stuck"), cancellationToken: cancellationToken);
        Step($"rollback {rolled.Deployment.Id}", $"{rolled.Deployment.BundleId} is undone in {rolled.Deployment.RollbackDuration?.TotalMilliseconds:0} ms: the deleted discount rule is back, the new mapping is gone. 'shop' is now {rolled.State.StateName}: it has left its patch train.");

        failures += await ExpectRefusal("out-of-order rollback", "Rolling back the first deployment directly would apply its inverse on top of the second deployment's changes: a state that never existed. Rewind refuses:",
            () => engine.RollbackAsync(new RollbackRequest("shop", "operator", "skip ahead", deployed[0].Id), cancellationToken: cancellationToken));

        failures += await ExpectRefusal("deploy while off the train", "The next patch was tested against a state 'shop' no longer has. Until a person clears the hold, nothing lands:",
            () => engine.DeployAsync(new DeployRequest(bundles[2].Path, "shop", "pipeline", "nightly train"), cancellationToken: cancellationToken));

        var second = await engine.RollbackAsync(new RollbackRequest("shop", "operator", "still broken"), cancellationToken: cancellationToken);
        Step($"rollback {second.Deployment.Id}", "Peeling back newest first is allowed while off the train: the loyalty tiers' data copy is restored to its prior rows.");
        var first = await engine.RollbackAsync(new RollbackRequest("shop", "operator", "back to the start"), cancellationToken: cancellationToken);
        var q = first.Summary.Quarantined.FirstOrDefault();
        Step($"rollback {first.Deployment.Id}", q is null
            ? "The first deployment is undone."
            : $"The first deployment created table {q.Table}; rollback never drops a table: it moved it to {q.As} with its {Output.Count(q.Rows, "row")} and indexes.");

        failures += await ExpectRefusal("nothing left", "Every deployment is rolled back. Another rollback would change nothing, and Rewind says so instead of reporting success:",
            () => engine.RollbackAsync(new RollbackRequest("shop", "operator", "again"), cancellationToken: cancellationToken));

        var cleared = await engine.ClearAsync("shop", "train-admin", "root cause found in 2026.11.3; fix scheduled", cancellationToken);
        Step("clear", $"A train-admin lifts the hold with a reason. 'shop' is {cleared.StateName} again.");
        var again = await engine.DeployAsync(new DeployRequest(bundles[0].Path, "shop", "pipeline", "realign"), cancellationToken: cancellationToken);
        Step($"deploy {again.Deployment.BundleId}", $"The first bundle applies again as {again.Deployment.Id}, creating its table afresh beside the quarantined one.");

        var history = await engine.HistoryAsync("shop", cancellationToken);
        Step("history", string.Join("\n", history.Select(d => $"{d.Id}  {d.BundleId,-22} {d.Status.ToName(),-12} {d.RollbackReason ?? d.Reason}")));
        if (failures > 0)
        {
            Output.Line($"[red]{failures} demo step(s) did not behave as expected.[/]");
            return 4;
        }

        Output.Line("[green]Demo complete.[/] Try it on your own: rewind init --examples, then rewind deploy ./bundles/2026.11.1-platform --target env1.");
        return 0;
    }

    private static async Task<int> ExpectRefusal(string title, string why, Func<Task> attempt)
    {
        try
        {
            await attempt();
            Step(title, "[unexpected] the operation was allowed");
            return 1;
        }
        catch (RefusedException e)
        {
            Step(title, $"{why}\n  refused (exit {e.ExitCode}): {e.Message}");
            return 0;
        }
    }

    private static void Step(string title, string text)
    {
        Output.Line($"\n[bold blue]== {Output.Esc(title)}[/]");
        foreach (var line in text.Split('\n'))
        {
            Output.Line(Output.Esc(line));
        }
    }

    /// <summary>The repository's sample bundles (examples/bundles, built into the tool), with what each does to the target.</summary>
    private static async Task<List<(string Path, string What)>> WriteBundlesAsync(string root, CancellationToken cancellationToken)
    {
        await SampleBundles.WriteAsync(root, cancellationToken);
        return
        [
            (Path.Combine(root, "2026.11.1-platform"), "creates table loyalty_tier, a workflow and a rule"),
            (Path.Combine(root, "2026.11.2-apps"), "copies reference data into loyalty_tier and changes the workflow"),
            (Path.Combine(root, "2026.11.3-partner"), "deletes the discount rule and adds a partner mapping"),
        ];
    }
}
