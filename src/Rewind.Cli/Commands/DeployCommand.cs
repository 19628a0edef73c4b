using System.CommandLine;
using Rewind.Core.Ledger;
using Rewind.Cli.Rendering;
using Rewind.Core.Engine;

namespace Rewind.Cli.Commands;

internal static class DeployCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "A bundle directory or .zip" };
        var target = new Option<string?>("--target") { Description = "The target to deploy to" };
        var group = new Option<string?>("--group") { Description = "Deploy to a group, stage by stage, skipping off-train, frozen and diverged targets and those behind the train" };
        var skipSoak = new Option<bool>("--skip-soak") { Description = "With --group: do not wait the soak between stages (emergencies; recorded)" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the ledger)" };
        var noAutoRollback = new Option<bool>("--no-auto-rollback") { Description = "Leave a deployment that fails verification applied (staging use; recorded)" };
        var irreversible = new Option<bool>("--irreversible") { Description = "Deploy a release a rollback could not undo (a slot's current version has no release folder or stored artifact); needs --reason, audited" };
        var outsideWindow = new Option<bool>("--outside-window") { Description = "Deploy even though the target's (or group's) window is closed; needs --reason, audited" };
        var outsideTrain = new Option<bool>("--outside-train") { Description = "With --target on a member of a group: deploy past the group's train (needs --reason, audited); the member is then diverged and group rollouts pass it by" };
        var command = new Command("deploy", "Capture the inverse, apply the bundle, verify, and record the deployment") { bundle, target, group, skipSoak, reason, noAutoRollback, irreversible, outsideTrain, outsideWindow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            if ((parse.GetValue(target) is null) == (parse.GetValue(group) is null))
            {
                throw new Rewind.Core.BadInputException("deploy needs exactly one of --target T or --group G");
            }

            var engine = await context.EngineAsync(cancellationToken);
            if (parse.GetValue(group) is { } groupName)
            {
                return await GroupDeploy.RunAsync(context, engine, new Rewind.Core.Train.GroupDeployRequest(parse.GetValue(bundle)!, groupName, context.Who, parse.GetValue(reason), parse.GetValue(skipSoak)) { OutsideWindow = parse.GetValue(outsideWindow) }, cancellationToken);
            }

            var request = new DeployRequest(parse.GetValue(bundle)!, parse.GetValue(target)!, context.Who, parse.GetValue(reason), AutoRollback: !parse.GetValue(noAutoRollback)) { Irreversible = parse.GetValue(irreversible), OutsideTrain = parse.GetValue(outsideTrain), OutsideWindow = parse.GetValue(outsideWindow) };
            var result = await ProgressDisplay.RunAsync(context.Interactive, $"deploy to {request.Target}",
                progress => engine.DeployAsync(request, progress, cancellationToken));
            var d = result.Deployment;
            if (context.Json)
            {
                Output.WriteJson(Rewind.Core.Reporting.JsonViews.Deploy(result));
            }
            else if (!result.Succeeded)
            {
                Output.Line($"[red]Deployment {d.Id} of {Output.Esc(d.BundleId)} to {Output.Esc(d.Target)} did not verify[/]: {Output.Esc(result.Verification.Summary)}");
                Output.Line(result.AutomaticRollback is { } r
                    ? r.Succeeded
                        ? $"  Rolled back automatically ({r.Deployment.Status.ToName()}); {Output.Esc(d.Target)} is {r.State.StateName}: {Output.Esc(r.State.Reason)}"
                        : $"  [red]The automatic rollback did not verify; {Output.Esc(d.Target)} is FROZEN[/]: {Output.Esc(r.State.Reason)}. Escalate: nothing further is applied until rewind unfreeze."
                    : $"  It is left applied but unverified ({d.Status.ToName()}). Decide: rewind rollback --target {Output.Esc(d.Target)} --reason \"...\", or deploy it again to re-verify.");
            }
            else if (result.AlreadyApplied)
            {
                Output.Line($"{Output.Esc(d.Target)} already runs {Output.Esc(d.BundleId)} as deployment [bold]{d.Id}[/] ({d.Status.ToName()}); nothing to do.");
            }
            else
            {
                Output.Line($"[green]Deployed[/] [bold]{Output.Esc(d.BundleId)}[/] to [bold]{Output.Esc(d.Target)}[/] as deployment [bold]{d.Id}[/] ({d.Status.ToName()}).");
                foreach (var slot in d.Code)
                {
                    Output.Line($"  code {Output.Esc(slot.Slot)} {Output.Esc(slot.FromVersion ?? "unknown")} -> {Output.Esc(slot.ToVersion)}");
                }

                Output.Line($"  {Output.Count(result.Summary.Records, "record")}, {Output.Count(result.Summary.Rows, "data-copy row")}{(d.RowChanges > 0 ? ", " + Output.Count(d.RowChanges, "row change") : "")}; tables created: {Output.Esc(List(result.Summary.TablesCreated))}; changed: {Output.Esc(List(result.Summary.TablesChanged))}.");
                Output.Line($"  Inverse captured and stored: {d.InverseDigest}. Roll back with: rewind rollback --target {Output.Esc(d.Target)} --reason \"...\"");
                if (request.OutsideTrain)
                {
                    Output.Line($"  [yellow]{Output.Esc(d.Target)} is now diverged from its group[/]: group rollouts pass it by until it is realigned and cleared (rewind realign --target {Output.Esc(d.Target)}).");
                }
            }

            if (result.Warning is not null)
            {
                Console.Error.WriteLine($"rewind: warning: {Printable.Escape(result.Warning)}");
            }

            if (!result.Succeeded)
            {
                Console.Error.WriteLine($"rewind: deployment {d.Id} did not verify: {Printable.Escape(result.Verification.Summary)}");
            }

            return ExitCodes.Of(result);
        });
        return command;
    }

    private static string List(IReadOnlyList<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);
}
