using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Train;
using Rewind.Core.Engine;

namespace Rewind.Cli.Commands;

/// <summary><c>rewind rollback --group G [--members T,…]</c>: the train head rolled back on every member, last stage first.</summary>
internal static class GroupRollback
{
    public static async Task<int> RunAsync(CliContext context, RewindEngine engine, GroupRollbackRequest request, bool yes, bool dryRun, CancellationToken cancellationToken)
    {
        var plan = await engine.PlanGroupRollbackAsync(request.Group, request.Members, cancellationToken);
        if (dryRun)
        {
            if (context.Json)
            {
                Output.WriteJson(GroupRollbackView.ToJson(plan));
            }
            else
            {
                GroupRollbackView.Write(plan);
            }

            return 0;
        }

        // Every member's rollback is planned before any runs: a refusal is said before anything is asked.
        plan.RequireRunnable();
        if (!yes)
        {
            // The same one question as a single rollback: show exactly what goes, then ask.
            if (context.Json || Console.IsInputRedirected)
            {
                throw new RefusedException("not-confirmed", $"rolling back {plan.Head.BundleId} on group {plan.Group} needs confirmation and there is no terminal to ask on: pass --yes to confirm");
            }

            GroupRollbackView.Write(plan);
            var count = plan.StagesLastFirst.Sum(s => s.Count);
            if (!Prompt.Confirm($"Roll back {plan.Head.BundleId} on {count} member{(count == 1 ? "" : "s")} of group {plan.Group}?"))
            {
                throw new RefusedException("not-confirmed", "rollback not confirmed; nothing was changed");
            }
        }

        var result = await engine.RollbackGroupAsync(request with { ExpectedHead = plan.Head.BundleDigest }, cancellationToken);
        if (context.Json)
        {
            Output.WriteJson(GroupRollbackView.ToJson(result));
        }
        else
        {
            GroupRollbackView.Write(result);
        }

        if (!result.Succeeded)
        {
            Console.Error.WriteLine($"rewind: {Printable.Escape(result.Explanation)}");
        }

        return ExitCodes.Of(result);
    }
}
