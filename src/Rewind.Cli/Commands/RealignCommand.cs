using System.CommandLine;
using Rewind.Core.Ledger;
using Rewind.Cli.Rendering;

namespace Rewind.Cli.Commands;

internal static class RealignCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The target to bring back to its group's train", Required = true };
        var apply = new Option<bool>("--apply") { Description = "Deploy the missed bundles in train order, each with its own inverse and verification, stopping at the first failure" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the ledger)" };
        var force = new Option<bool>("--force") { Description = "With --apply: go on over steps whose recorded prior state differs from the target's (someone edited it); each forced step is audited" };
        var command = new Command("realign", "The bundles a target missed, in train order, and whether each matches its current state; --apply runs them, stopping before a step that differs") { target, apply, reason, force };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            if (!parse.GetValue(apply))
            {
                var plan = await engine.RealignPlanAsync(parse.GetValue(target)!, cancellationToken);
                if (context.Json)
                {
                    Output.WriteJson(TrainView.ToJson(plan));
                }
                else
                {
                    TrainView.Write(plan);
                    if (plan.Steps.Count > 0)
                    {
                        Output.Line($"Apply with: rewind realign --target {Output.Esc(plan.Target)} --apply");
                    }
                }

                return 0;
            }

            var result = await engine.RealignAsync(parse.GetValue(target)!, context.Who, parse.GetValue(reason), parse.GetValue(force), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new
                {
                    target = result.Plan.Target,
                    group = result.Plan.Group,
                    status = result.Succeeded ? "realigned" : "stopped",
                    plan = TrainView.ToJson(result.Plan),
                    applied = result.Applied.Select(a => new
                    {
                        position = a.Step.Position,
                        bundle = a.Step.BundleId,
                        deployment = a.Result.Deployment.Id,
                        status = a.Result.Deployment.Status.ToName(),
                        inverse = a.Result.Deployment.InverseDigest,
                        priorFingerprint = a.Result.Deployment.PriorFingerprint,
                        priorMatched = a.PriorMatched,
                    }),
                    stoppedAt = result.StoppedAt is null ? null : TrainView.StepJson(result.StoppedAt),
                    stopReason = result.StopReason,
                });
            }
            else
            {
                foreach (var a in result.Applied)
                {
                    Output.Line($"  {a.Step.Position}. {Output.Esc(a.Step.BundleId)}: {a.Result.Deployment.Id} {a.Result.Deployment.Status.ToName()}{(a.PriorMatched ? "" : " [yellow](its prior state differed from the group's)[/]")}");
                }

                Output.Line(result.Succeeded
                    ? $"[green]{Output.Esc(result.Plan.Target)} runs the head of group {Output.Esc(result.Plan.Group)}'s train.[/] The hold stays until a train-admin clears it: rewind clear --target {Output.Esc(result.Plan.Target)} --reason \"...\""
                    : $"[red]Realignment stopped at {Output.Esc(result.StoppedAt!.BundleId)}[/]: {Output.Esc(result.StopReason)}");
            }

            if (!result.Succeeded)
            {
                Console.Error.WriteLine($"rewind: realignment stopped: {Printable.Escape(result.StopReason)}");
            }

            return ExitCodes.Of(result);
        });
        return command;
    }
}
