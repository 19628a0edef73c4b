using Rewind.Core.Ledger;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Engine;

namespace Rewind.Cli.Commands;

/// <summary><c>rewind rollback --target T --to ID</c>: peel every deployment above a verified one, newest first, each its own rollback.</summary>
internal static class RollbackTo
{
    public static async Task<int> RunAsync(CliContext context, RewindEngine engine, string target, string to, string reason, bool yes, CancellationToken cancellationToken)
    {
        var peeled = await engine.PreviewRollbackToAsync(target, to, cancellationToken);
        if (peeled.Count == 0)
        {
            throw new RefusedException("nothing-to-roll-back", $"{to} is already the newest applied deployment on {target}; nothing was changed");
        }

        if (!yes)
        {
            if (context.Json || Console.IsInputRedirected)
            {
                throw new RefusedException("not-confirmed", $"rolling {target} back to {to} ({peeled.Count} rollbacks) needs confirmation and there is no terminal to ask on: pass --yes to confirm");
            }

            Output.Line($"Roll [bold]{Output.Esc(target)}[/] back to [bold]{Output.Esc(to)}[/], newest first, each its own rollback:");
            foreach (var d in peeled)
            {
                Output.Line($"  {Output.Esc(d.Id)}  {Output.Esc(d.BundleId)}  {d.Status.ToName()}  deployed {Output.When(d.StartedAt)} by {Output.Esc(d.Who)}");
            }

            if (!Prompt.Confirm($"Roll back {(peeled.Count == 1 ? "this deployment" : $"these {peeled.Count} deployments")} on {target}?"))
            {
                throw new RefusedException("not-confirmed", "rollback not confirmed; nothing was changed");
            }
        }

        var results = await engine.RollbackToAsync(target, to, context.Who, reason, cancellationToken: cancellationToken);
        var reached = results.Count == peeled.Count && results.All(r => r.Succeeded);
        if (context.Json)
        {
            Output.WriteJson(new { target, to, reached, rollbacks = results.Select(Rewind.Core.Reporting.JsonViews.Rollback) });
        }
        else
        {
            foreach (var r in results)
            {
                Output.Line(r.Succeeded
                    ? $"[green]Rolled back[/] {Output.Esc(r.Deployment.Id)} ({Output.Esc(r.Deployment.BundleId)}) in {r.Deployment.RollbackDuration?.TotalSeconds:0.00}s"
                    : $"[red]Rollback of {Output.Esc(r.Deployment.Id)} did not verify; {Output.Esc(target)} is FROZEN[/]: {Output.Esc(r.State.Reason)}. Stopped there.");
            }

            if (reached)
            {
                Output.Line($"{Output.Esc(target)} is back on {Output.Esc(to)}, off the train until cleared with rewind clear --target {Output.Esc(target)} --reason \"...\"");
            }
        }

        return ExitCodes.Of(reached);
    }
}
