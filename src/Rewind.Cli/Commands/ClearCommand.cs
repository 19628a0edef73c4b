using System.CommandLine;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class ClearCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The off-train target", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why it may rejoin its train", Required = true };
        var force = new Option<bool>("--force") { Description = "Lift the hold even though the target's state differs from its group's head (recorded as forced)" };
        var command = new Command("clear", "Lift an off-train hold (train-admin role; a group member must match the head of its train)") { target, reason, force };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var state = await engine.ClearAsync(parse.GetValue(target)!, context.Who, parse.GetValue(reason)!, parse.GetValue(force), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { target = state.Target, state = state.StateName, reason = state.Reason, by = state.Who, forced = state.Reason?.StartsWith("cleared (forced", StringComparison.Ordinal) == true });
            }
            else
            {
                Output.Line($"[green]{Output.Esc(state.Target)} is back on the train[/] ({Output.Esc(state.Reason)}, by {Output.Esc(state.Who)}).");
            }

            return 0;
        });
        return command;
    }
}
