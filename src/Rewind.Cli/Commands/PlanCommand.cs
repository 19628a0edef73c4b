using System.CommandLine;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class PlanCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "A bundle directory or .zip" };
        var target = new Option<string>("--target") { Description = "The target it would be deployed to", Required = true };
        var command = new Command("plan", "The rollback plan for a bundle on a target, as Markdown, before committing to the deploy") { bundle, target };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var plan = await engine.PlanAsync(parse.GetValue(bundle)!, parse.GetValue(target)!, cancellationToken);
            var irreversible = await engine.IrreversibleSlotsAsync(parse.GetValue(bundle)!, parse.GetValue(target)!, cancellationToken);
            var markdown = plan.ToMarkdown() + string.Concat(irreversible.Select(p =>
                $"\n**Cannot be rolled back**: {p}. `rewind deploy` refuses it unless given `--irreversible --reason R` (audited).\n"));
            if (context.Json)
            {
                Output.WriteJson(new { target = plan.Target, bundle = plan.BundleId, digest = plan.Digest, estimateSeconds = plan.Estimate.TotalSeconds, budgetSeconds = plan.Budget.TotalSeconds, window = plan.Window, shared = plan.Shared, owners = plan.Owners, manualRollback = plan.Shared ? "refused: shared target" : "allowed", irreversible, markdown });
            }
            else
            {
                Console.Out.Write(markdown);
            }

            return 0;
        });
        return command;
    }
}
