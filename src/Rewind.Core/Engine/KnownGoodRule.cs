using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

/// <summary>
/// Seed 001 §5: rollback to an unverified version is forbidden. Rolling back the newest deployment lands on the one
/// under it; when that one never verified (left applied by <c>--no-auto-rollback</c> or an inconclusive check), the
/// rollback is refused and names the newest verified deployment, which <c>rollback --to</c> reaches by peeling
/// every deployment above it.
/// </summary>
internal static class KnownGoodRule
{
    public static void RequireKnownGoodLanding(string target, IReadOnlyList<Deployment> deployments, Deployment newest)
    {
        var under = deployments.FirstOrDefault(d => d.IsApplied && d.Id != newest.Id);
        if (under is null || under.Status == DeploymentStatus.Verified)
        {
            return;
        }

        var verified = deployments.FirstOrDefault(d => d.Status == DeploymentStatus.Verified && d.Id != newest.Id);
        throw new RefusedException("not-known-good", $"rolling back {newest.Id} ({newest.BundleId}) on {target} would land on {under.Id} ({under.BundleId}), which never verified ({under.Status.ToName()}): a rollback goes to known-good state only. " +
            (verified is null
                ? "No deployment below it verified either; nothing was changed. Verify it (rewind recover, or deploy it again) or roll forward."
                : $"The newest verified deployment is {verified.Id} ({verified.BundleId}): roll back to it, each deployment above it in turn, with: rewind rollback --target {target} --to {verified.Id} --reason \"...\""));
    }

    /// <summary>The deployment <c>rollback --to</c> goes back to must be applied and verified; returns it.</summary>
    public static Deployment RequireVerifiedTarget(string target, IReadOnlyList<Deployment> deployments, string to)
    {
        var named = deployments.FirstOrDefault(d => d.Id == to)
            ?? throw new BadInputException($"target {target} has no deployment '{to}'; see: rewind history --target {target}");
        if (!named.IsApplied)
        {
            throw new RefusedException("not-applied", $"deployment {named.Id} ({named.BundleId}) on {target} is {named.Status.ToName()}, not on the target: a rollback cannot go back to it");
        }

        return named.Status == DeploymentStatus.Verified
            ? named
            : throw new RefusedException("not-known-good", $"deployment {named.Id} ({named.BundleId}) on {target} never verified ({named.Status.ToName()}): a rollback goes to known-good state only");
    }
}
