using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

/// <summary>
/// Seed 003: every target of a deployment group must remain aligned. A member receives bundles through its group's
/// train (<c>deploy --group</c>, <c>realign</c>); <c>deploy --target</c> to a member is refused unless the operator
/// takes the audited exception (<c>--outside-train --reason R</c>), which leaves the member diverged: group
/// rollouts pass it by until it is realigned and cleared.
/// </summary>
internal static class TrainRule
{
    /// <summary>Refuses a deploy to one member of a group that does not come through the group, unless it is the audited exception.</summary>
    public static void RequireThroughTrain(Configuration.RewindConfig config, DeployRequest request)
    {
        var group = config.GroupOf(request.Target);
        if (request.OutsideTrain)
        {
            if (group is null)
            {
                throw new BadInputException($"--outside-train is for members of a group, and target {request.Target} is in no group; deploy it without --outside-train");
            }

            if (string.IsNullOrWhiteSpace(request.Reason))
            {
                throw new BadInputException($"--outside-train needs --reason \"...\": deploying to {request.Target} past group {group.Name}'s train makes it diverged, and the audit keeps why; nothing was changed");
            }

            return;
        }

        if (group is not null && request.Group is null && !request.Realign)
        {
            throw new RefusedException("outside-train", $"target {request.Target} is a member of group {group.Name}: it receives bundles through the group's train. Deploy through the group: rewind deploy BUNDLE --group {group.Name}. To deploy to {request.Target} alone anyway (it is then diverged, and group rollouts pass it by until realigned and cleared), add --outside-train --reason \"...\" (over HTTP: ?outsideTrain=true&reason=...); nothing was changed");
        }
    }

    /// <summary>The state a member is left in by a deploy outside its group's train.</summary>
    public static TargetState Diverged(string group, Deployment deployment, DateTimeOffset at) =>
        new(deployment.Target, TrainState.Diverged, $"deployed {deployment.BundleId} ({deployment.Id}) outside group {group}'s train: {deployment.Reason}", deployment.Who, at, deployment.Id);
}
