using System.CommandLine;
using Rewind.Cli.Rendering;
using Spectre.Console;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;

namespace Rewind.Cli.Commands;

internal static class HistoryCommand
{
    public static Command Create()
    {
        var target = new Option<string?>("--target") { Description = "The target (default: every target)" };
        var deployment = new Option<string?>("--deployment") { Description = "Show one deployment in full: checks, hooks, journal and its rollback's impact report" };
        var command = new Command("history", "A target's deployments, newest first, with outcomes and rollbacks") { target, deployment };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            if (parse.GetValue(target) is null)
            {
                if (parse.GetValue(deployment) is not null)
                {
                    throw new Rewind.Core.BadInputException("--deployment needs --target T: deployment ids are shown per target (rewind history lists them)");
                }

                return await EveryTargetAsync(context, engine, cancellationToken);
            }

            var deployments = await engine.HistoryAsync(parse.GetValue(target)!, cancellationToken);
            if (parse.GetValue(deployment) is { } id)
            {
                var one = deployments.FirstOrDefault(d => d.Id == id)
                    ?? throw new Rewind.Core.BadInputException($"target {parse.GetValue(target)} has no deployment '{id}'");
                if (context.Json)
                {
                    Output.WriteJson(new { deployment = DeploymentView.ToJson(one), impact = one.Impact is null ? null : ImpactView.ToJson(one.Impact) });
                    return 0;
                }

                Output.Line($"[bold]{one.Id}[/] {Output.Esc(one.BundleId)} {one.Status.ToName()}, deployed {Output.When(one.StartedAt)} by {Output.Esc(one.Who)}{(one.Reason is null ? "" : $" ({Output.Esc(one.Reason)})")}");
                var verifications = 0;
                foreach (var step in one.Steps)
                {
                    // "done" says the verify step ran; the operator needs to know how it came out.
                    var state = step.Step == "verify" && step.State == "done"
                        ? CheckView.Verification(verifications++ == 0 ? one.Checks : one.RollbackChecks)
                        : Output.Esc(step.State);
                    Output.Line($"  {Output.When(step.At)} {Output.Esc(step.Step)}: {state}{(step.Detail is null ? "" : $" ({Output.Esc(step.Detail)})")}");
                }

                foreach (var (checks, after) in new[] { (one.Checks, "deploy"), (one.RollbackChecks, "rollback") })
                {
                    foreach (var check in checks)
                    {
                        Output.Line($"  check {Output.Esc(check.Name)} after {after}: {CheckView.Outcome(check.Outcome)} ({Output.Esc(check.Detail)}, {check.Seconds:0.0}s)");
                    }
                }

                foreach (var slot in one.Code)
                {
                    Output.Line($"  code {Output.Esc(slot.Slot)} {Output.Esc(slot.FromVersion ?? "unknown")} -> {Output.Esc(slot.ToVersion)}");
                }

                if (one.RolledBackAt is not null)
                {
                    Output.Line(Output.Esc(DeploymentView.RollbackLine(one, DeploymentView.Restored(deployments, one))));
                }

                if (one.Impact is not null)
                {
                    ImpactView.Write(one.Impact);
                }

                return 0;
            }

            if (context.Json)
            {
                Output.WriteJson(new { target = parse.GetValue(target), deployments = deployments.Select(DeploymentView.ToJson) });
                return 0;
            }

            if (deployments.Count == 0)
            {
                Output.Line($"No deployments on {Output.Esc(parse.GetValue(target))} yet.");
                return 0;
            }

            var table = new Table().AddColumns("id", "bundle", "status", "deployed", "by", "reason");
            foreach (var d in deployments)
            {
                table.AddRow(d.Id, Output.Esc(d.BundleId), d.Status.ToName(), Output.When(d.StartedAt), Output.Esc(d.Who), Output.Esc(d.Error ?? d.Reason ?? ""));
            }

            Terminal.Write(table);
            var rollbacks = deployments.Where(d => d.Status == DeploymentStatus.RolledBack).ToList();
            foreach (var d in rollbacks)
            {
                Output.Line(Output.Esc(DeploymentView.RollbackLine(d, DeploymentView.Restored(deployments, d))));
            }

            return 0;
        });
        return command;
    }

    /// <summary>Without --target: every target's deployments, newest first, each row naming its target.</summary>
    private static async Task<int> EveryTargetAsync(CliContext context, RewindEngine engine, CancellationToken cancellationToken)
    {
        var all = new List<Deployment>();
        foreach (var name in context.LoadConfig().Targets.Keys.Order(StringComparer.Ordinal))
        {
            all.AddRange(await engine.HistoryAsync(name, cancellationToken));
        }

        all.Sort((a, b) => b.StartedAt.CompareTo(a.StartedAt));
        if (context.Json)
        {
            Output.WriteJson(new { target = (string?)null, deployments = all.Select(DeploymentView.ToJson) });
            return 0;
        }

        if (all.Count == 0)
        {
            Output.Line("No deployments on any target yet.");
            return 0;
        }

        var table = new Table().AddColumns("target", "id", "bundle", "status", "deployed", "by", "reason");
        foreach (var d in all)
        {
            table.AddRow(Output.Esc(d.Target), d.Id, Output.Esc(d.BundleId), d.Status.ToName(), Output.When(d.StartedAt), Output.Esc(d.Who), Output.Esc(d.Error ?? d.Reason ?? ""));
        }

        Terminal.Write(table);
        return 0;
    }
}
