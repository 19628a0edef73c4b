using Rewind.Core.Access;
using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Engine;

namespace Rewind.Cli.Commands;

internal static class RollbackCommand
{
    public static Command Create()
    {
        var target = new Option<string?>("--target") { Description = "The target to roll back" };
        var group = new Option<string?>("--group") { Description = "Roll the group's train-head bundle back on every member, last stage first; nothing runs unless every member can" };
        var members = new Option<string?>("--members") { Description = "With --group: only these members (comma-separated), e.g. to leave out one that cannot roll back" };
        var deployment = new Option<string?>("--deployment") { Description = "The deployment you expect to roll back; refused unless it is the newest" };
        var reason = new Option<string?>("--reason") { Description = "Why (required: the audit answers 'why was rollback executed?' with it)" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask; roll back the newest deployment" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what the rollback would do (records, tables, row changes, data copies, code versions, live edits and business impact so far) and change nothing" };
        var to = new Option<string?>("--to") { Description = "Roll back every deployment newer than this verified one, newest first, each its own rollback; stops at the first failure" };
        var command = new Command("rollback", "Roll back the newest deployment of a target, or a group's train head on every member (asks yes/no unless --yes)") { target, group, members, deployment, reason, yes, dryRun, to };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            if ((parse.GetValue(target) is null) == (parse.GetValue(group) is null))
            {
                throw new BadInputException("rollback needs exactly one of --target T or --group G");
            }

            if (parse.GetValue(group) is null ? parse.GetValue(members) is not null : parse.GetValue(to) is not null || parse.GetValue(deployment) is not null)
            {
                throw new BadInputException("--members goes with --group only, and --to and --deployment with --target only");
            }

            var engine = await context.EngineAsync(cancellationToken);
            if (parse.GetValue(group) is { } groupName)
            {
                // The same rule as a single rollback: no rollback without a reason (a dry run changes nothing and needs none).
                if (!parse.GetValue(dryRun) && string.IsNullOrWhiteSpace(parse.GetValue(reason)))
                {
                    throw new BadInputException("a rollback needs a reason: --reason \"...\" (the audit answers 'why was rollback executed?' with it); nothing was changed");
                }

                if (!parse.GetValue(dryRun))
                {
                    await engine.RequireAsync(context.Who, Permissions.RollbackGroup, null, parse.GetValue(reason), cancellationToken);
                }

                var named = parse.GetValue(members)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var groupRequest = new Rewind.Core.Train.GroupRollbackRequest(groupName, context.Who, parse.GetValue(reason) ?? "", named);
                return await GroupRollback.RunAsync(context, engine, groupRequest, parse.GetValue(yes), parse.GetValue(dryRun), cancellationToken);
            }

            var name = parse.GetValue(target)!;
            var expected = parse.GetValue(deployment);
            if (parse.GetValue(dryRun))
            {
                var plan = await engine.DryRunRollbackAsync(name, expected, cancellationToken);
                if (context.Json)
                {
                    Output.WriteJson(Rewind.Core.Reporting.RollbackDryRunView.ToJson(plan));
                }
                else
                {
                    DryRunView.Write(plan);
                }

                return 0;
            }

            // The same rule as the API (and as clear, unfreeze and unlock): no rollback without a reason, asked before anything else.
            if (string.IsNullOrWhiteSpace(parse.GetValue(reason)))
            {
                throw new BadInputException("a rollback needs a reason: --reason \"...\" (the audit answers 'why was rollback executed?' with it); nothing was changed");
            }

            // Before the question: nobody confirms a rollback only to learn they may not run it.
            await engine.RequireAsync(context.Who, Permissions.Rollback, name, parse.GetValue(reason), cancellationToken);
            if (parse.GetValue(to) is { } back)
            {
                return await RollbackTo.RunAsync(context, engine, name, back, parse.GetValue(reason)!, parse.GetValue(yes), cancellationToken);
            }

            if (!parse.GetValue(yes))
            {
                // The one question an operator answers at 3 AM: show exactly what goes, then ask.
                var newest = await engine.PreviewRollbackAsync(name, expected, cancellationToken);
                if (context.Json || Console.IsInputRedirected)
                {
                    throw new RefusedException("not-confirmed", $"rollback of {newest.Id} ({newest.BundleId}) on {name} needs confirmation and there is no terminal to ask on: pass --yes to confirm");
                }

                Output.Line($"Roll back [bold]{newest.Id}[/] on [bold]{Output.Esc(name)}[/]:");
                Output.Line($"  bundle   {Output.Esc(newest.BundleId)} ({Output.Count(newest.Records, "record")}, {Output.Count(newest.Rows, "data-copy row")}{(newest.RowChanges > 0 ? ", " + Output.Count(newest.RowChanges, "row change") : "")})");
                Output.Line($"  deployed {Output.When(newest.StartedAt)} by {Output.Esc(newest.Who)}{(newest.Reason is null ? "" : $" ({Output.Esc(newest.Reason)})")}");
                foreach (var slot in newest.Code)
                {
                    Output.Line($"  code     {Output.Esc(slot.Slot)} {Output.Esc(slot.ToVersion)} -> {Output.Esc(slot.FromVersion ?? "unknown")}");
                }

                Output.Line("  The target then leaves its patch train until a train-admin clears it. Business data is not rolled back.");
                var code = newest.Code.Count == 0 ? "" : "; " + string.Join(", ", newest.Code.Select(c => $"{c.Slot} {c.ToVersion} -> {c.FromVersion ?? "unknown"}"));
                if (!Prompt.Confirm($"Roll back {newest.Id} ({newest.BundleId}) on {name}{code}?"))
                {
                    throw new RefusedException("not-confirmed", "rollback not confirmed; nothing was changed");
                }

                expected = newest.Id;
            }

            var request = new RollbackRequest(name, context.Who, parse.GetValue(reason), expected);
            var result = await ProgressDisplay.RunAsync(context.Interactive, $"rollback of {name}",
                progress => engine.RollbackAsync(request, progress, cancellationToken));
            var d = result.Deployment;
            if (context.Json)
            {
                Output.WriteJson(Rewind.Core.Reporting.JsonViews.Rollback(result));
            }
            else if (!result.Succeeded)
            {
                Output.Line($"[red]Rollback of {d.Id} applied but {Output.Esc(d.Target)} did not verify; the target is FROZEN[/]: {Output.Esc(result.State.Reason)}");
                Output.Line("  Escalate: nothing further is applied until the incident is handled and recorded with rewind unfreeze.");
            }
            else
            {
                Output.Line($"[green]Rolled back[/] [bold]{d.Id}[/] ({Output.Esc(d.BundleId)}) on [bold]{Output.Esc(d.Target)}[/] in {d.RollbackDuration?.TotalSeconds:0.00}s{(d.RollbackOverBudget ? " [red](over budget)[/]" : "")}.");
                if (d.RollbackOverBudget)
                {
                    Output.Line($"  Over budget is a failure condition: {Output.Esc(d.Target)} shows as needing investigation until: rewind ack --target {Output.Esc(d.Target)} --reason \"...\"");
                }

                foreach (var slot in d.Code)
                {
                    Output.Line($"  code {Output.Esc(slot.Slot)} {Output.Esc(slot.ToVersion)} -> {Output.Esc(slot.FromVersion ?? "unknown")}");
                }

                ImpactView.Write(result.Impact);

                Output.Line($"  [yellow]{Output.Esc(d.Target)} is now off the train[/]: no deployment lands until cleared with rewind clear --target {Output.Esc(d.Target)} --reason \"...\"");
            }

            if (!result.Succeeded)
            {
                Console.Error.WriteLine($"rewind: {Printable.Escape(result.Explanation)}");
            }

            return ExitCodes.Of(result);
        });
        return command;
    }
}
