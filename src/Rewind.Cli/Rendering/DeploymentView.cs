using Rewind.Core.Ledger;


namespace Rewind.Cli.Rendering;

/// <summary>The JSON shape of a deployment, shared by every verb that shows one.</summary>
internal static class DeploymentView
{
    public static object ToJson(Deployment d) => Rewind.Core.Reporting.JsonViews.Deployment(d);

    /// <summary>The deployment a rollback returned to: the newest one applied before it (newest first in <paramref name="deployments"/>).</summary>
    public static Deployment? Restored(IReadOnlyList<Deployment> deployments, Deployment rolledBack) =>
        deployments.SkipWhile(x => x.Id != rolledBack.Id).Skip(1)
            .FirstOrDefault(x => x.Status is not (DeploymentStatus.Failed or DeploymentStatus.Skipped) && (x.RolledBackAt is null || x.RolledBackAt > rolledBack.RolledBackAt));

    /// <summary>One line answering "why was rollback executed, and to which version?" for a rolled-back deployment.</summary>
    public static string RollbackLine(Deployment d, Deployment? restored) =>
        $"{Output.When(d.RolledBackAt)} {d.RolledBackBy} rolled back {d.Id} ({d.BundleId}) because \"{d.RollbackReason ?? "no reason given"}\"; "
        + $"back to {(restored is null ? "the state before any deployment" : $"{restored.Id} ({restored.BundleId})")}"
        + (d.RollbackDuration is { } t ? $" in {t.TotalSeconds:0.0}s" : "")
        + (d.RollbackOverBudget ? " [OVER BUDGET]" : "");
}
