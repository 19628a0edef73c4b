using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core.Ledger;

namespace Rewind.Cli.Commands;

internal static class RecoverCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The target whose interrupted operation to finish", Required = true };
        var command = new Command("recover", "Finish an operation a crash interrupted, from its journal") { target };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var settled = await engine.RecoverTargetAsync(parse.GetValue(target)!, context.Who, cancellationToken);
            var history = await engine.HistoryAsync(parse.GetValue(target)!, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { target = parse.GetValue(target), settled = settled.Select(DeploymentView.ToJson), last = history.FirstOrDefault() is { } d ? DeploymentView.ToJson(d) : null });
            }
            else
            {
                Output.Line(settled.Count == 0
                    ? "Nothing was left unfinished beyond what the journal settled; see rewind history."
                    : string.Join("\n", settled.Select(d => $"{d.Id} ({Output.Esc(d.BundleId)}): {d.Status.ToName()}")));
            }

            return ExitCodes.Of(settled.All(d => d.Status != DeploymentStatus.Applied));
        });
        return command;
    }
}
