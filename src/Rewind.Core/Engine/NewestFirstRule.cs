using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

/// <summary>Invariant 3: only the newest applied deployment of a target can be rolled back, and a named one must be it.</summary>
internal static class NewestFirstRule
{
    /// <summary>Rollback goes strictly newest first: only the newest applied deployment can be chosen.</summary>
    public static Deployment ChooseNewest(string target, IReadOnlyList<Deployment> deployments, string? expected)
    {
        var newest = deployments.FirstOrDefault(d => d.IsApplied);
        if (expected is not null)
        {
            var named = deployments.FirstOrDefault(d => d.Id == expected)
                ?? throw new BadInputException($"target {target} has no deployment '{expected}'; see: rewind history --target {target}");
            var now = newest is null
                ? "No applied deployment remains on it."
                : $"The newest applied deployment is now {newest.Id} ({newest.BundleId}).";
            if (named.Status == DeploymentStatus.RolledBack)
            {
                throw new RefusedException("already-rolled-back", $"deployment {named.Id} ({named.BundleId}) on {target} was already rolled back at {named.RolledBackAt:yyyy-MM-dd HH:mm:ss}Z by {named.RolledBackBy}; nothing was changed. {now}");
            }

            if (named.Status == DeploymentStatus.Failed)
            {
                throw new RefusedException("not-applied", $"deployment {named.Id} ({named.BundleId}) on {target} failed and was never applied; there is nothing of it to roll back. {now}");
            }

            if (newest is not null && named.Id != newest.Id)
            {
                throw new RefusedException("not-newest", $"deployment {named.Id} ({named.BundleId}) is not the newest applied deployment on {target}: {newest.Id} ({newest.BundleId}, deployed {newest.StartedAt:yyyy-MM-dd HH:mm}Z) is. Rollback goes in reverse order only: roll back {newest.Id} first.");
            }
        }

        if (newest is null)
        {
            var last = deployments.Where(d => d.Status == DeploymentStatus.RolledBack).MaxBy(d => d.RolledBackAt);
            throw new RefusedException("nothing-to-roll-back", last is null
                ? $"target {target} has no applied deployment: there is nothing to roll back"
                : $"target {target} has no applied deployment left: the last one, {last.Id} ({last.BundleId}), was already rolled back at {last.RolledBackAt:yyyy-MM-dd HH:mm:ss}Z by {last.RolledBackBy}. Nothing to roll back.");
        }

        if (newest.InverseDigest is null)
        {
            throw new RefusedException("no-known-good-state", $"deployment {newest.Id} on {target} has no recorded inverse, so there is no known-good prior state to return to");
        }

        return newest;
    }
}
