using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Reporting;

namespace Rewind.Cli.Commands;

internal static class UnlockCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The target whose operation is hung" };
        var group = new Option<string>("--group") { Description = "The group whose rollout is hung" };
        var reason = new Option<string>("--reason") { Description = "Why the operation was judged hung (goes into the audit)", Required = true };
        var command = new Command("unlock", "Break the lock of a live but hung operation on a target or a group rollout (admin role; audited)") { target, group, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var (targetName, groupName) = (parse.GetValue(target), parse.GetValue(group));
            if ((targetName is null) == (groupName is null))
            {
                throw new BadInputException("unlock takes either --target T or --group G");
            }

            var engine = await context.EngineAsync(cancellationToken);
            var holder = targetName is not null
                ? await engine.UnlockAsync(targetName, context.Who, parse.GetValue(reason)!, cancellationToken)
                : await engine.UnlockGroupAsync(groupName!, context.Who, parse.GetValue(reason)!, cancellationToken);
            var subject = targetName is not null ? targetName : $"group {groupName}";
            if (context.Json)
            {
                Output.WriteJson(JsonViews.Unlocked(targetName, groupName, holder));
            }
            else
            {
                Output.Line($"Broke the lock on {Output.Esc(subject)}: {Output.Esc(holder.Describe())}.");
                Output.Line($"A hook or check that process runs is killed at its next heartbeat (within 10 s) and it stops; if it is hung anywhere else, stop it on {Output.Esc(holder.Host)} (process {holder.ProcessId}).");
            }

            return 0;
        });
        return command;
    }
}
