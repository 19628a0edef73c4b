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
            var plan = await (await context.EngineAsync(cancellationToken)).PlanAsync(parse.GetValue(bundle)!, parse.GetValue(target)!, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { target = plan.Target, bundle = plan.BundleId, digest = plan.Digest, estimateSeconds = plan.Estimate.TotalSeconds, budgetSeconds = plan.Budget.TotalSeconds, markdown = plan.ToMarkdown() });
            }
            else
            {
                Console.Out.Write(plan.ToMarkdown());
            }

            return 0;
        });
        return command;
    }
}
