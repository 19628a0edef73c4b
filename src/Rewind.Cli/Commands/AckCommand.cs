using System.CommandLine;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class AckCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The target whose over-budget rollback was investigated", Required = true };
        var reason = new Option<string>("--reason") { Description = "What the investigation found", Required = true };
        var command = new Command("ack", "Record that an over-budget rollback was investigated (operator role); status stops showing the target as needing investigation") { target, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var acked = await engine.AckAsync(parse.GetValue(target)!, context.Who, parse.GetValue(reason)!, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { target = parse.GetValue(target), acknowledged = acked.Select(d => new { deployment = d.Id, seconds = d.RollbackDuration?.TotalSeconds }), by = context.Who });
            }
            else
            {
                Output.Line($"Acknowledged the over-budget rollback of {Output.Esc(string.Join(", ", acked.Select(d => d.Id)))} on {Output.Esc(parse.GetValue(target))}.");
            }

            return 0;
        });
        return command;
    }
}
