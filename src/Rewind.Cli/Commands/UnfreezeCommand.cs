using System.CommandLine;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class UnfreezeCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The frozen target", Required = true };
        var reason = new Option<string>("--reason") { Description = "The incident's human decision", Required = true };
        var command = new Command("unfreeze", "Record the human decision that ends a frozen incident (admin role); the target stays off the train") { target, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var state = await engine.UnfreezeAsync(parse.GetValue(target)!, context.Who, parse.GetValue(reason)!, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { target = state.Target, state = state.StateName, reason = state.Reason, by = state.Who });
            }
            else
            {
                Output.Line($"{Output.Esc(state.Target)} is no longer frozen; it is {state.StateName} until a train-admin clears it ({Output.Esc(state.Reason)}).");
            }

            return 0;
        });
        return command;
    }
}
