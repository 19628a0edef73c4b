using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core.Reporting;

namespace Rewind.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var group = new Option<string>("--group") { Description = "The group", Required = true };
        var command = new Command("train", "The matrix of a group's targets × the bundles of its train: applied, verified, rolled back, skipped, not yet") { group };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var matrix = await engine.TrainAsync(parse.GetValue(group)!, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(JsonViews.Train(matrix));
            }
            else
            {
                TrainView.Write(matrix);
            }

            return 0;
        });
        return command;
    }
}
