using Rewind.Cli.Rendering;
using Rewind.Core.Train;
using Rewind.Core.Engine;

namespace Rewind.Cli.Commands;

/// <summary><c>rewind deploy BUNDLE --group G</c>: the rollout across a group's stages, rendered.</summary>
internal static class GroupDeploy
{
    public static async Task<int> RunAsync(CliContext context, RewindEngine engine, GroupDeployRequest request, CancellationToken cancellationToken)
    {
        if (context.Interactive)
        {
            Output.Line($"Rolling out to group [bold]{Output.Esc(request.Group)}[/], stage by stage...");
        }

        var result = await engine.DeployGroupAsync(request, cancellationToken);
        if (context.Json)
        {
            Output.WriteJson(TrainView.ToJson(result));
        }
        else
        {
            TrainView.Write(result);
        }

        if (result.Succeeded)
        {
            return 0;
        }

        Console.Error.WriteLine($"rewind: group rollout stopped: {Printable.Escape(result.StopReason)}");

        // A stage that stopped on a refusal (a busy lock, say) changed nothing there: say so with exit 3.
        var failures = result.Stages.SelectMany(s => s.Failures).ToList();
        return failures.Count > 0 && result.Stages.All(s => s.Deployed.All(d => d.Succeeded)) ? failures.Max(f => f.ExitCode) : 4;
    }
}
