using Rewind.Core.Bundles;
using Rewind.Core.Deployments;

namespace Rewind.Cli.Rendering;

/// <summary>The JSON shape of a deployment, shared by every verb that shows one.</summary>
internal static class DeploymentView
{
    public static object ToJson(Deployment d) => new
    {
        id = d.Id,
        target = d.Target,
        bundle = d.BundleId,
        digest = d.BundleDigest,
        inverse = d.InverseDigest,
        kind = d.Kind == BundleKind.Release ? "release" : "metadata",
        status = d.Status.ToName(),
        who = d.Who,
        reason = d.Reason,
        startedAt = d.StartedAt,
        finishedAt = d.FinishedAt,
        records = d.Records,
        rows = d.Rows,
        error = d.Error,
        rolledBackAt = d.RolledBackAt,
        rolledBackBy = d.RolledBackBy,
        rollbackReason = d.RollbackReason,
        rollbackSeconds = d.RollbackDuration?.TotalSeconds,
        rollbackOverBudget = d.RollbackOverBudget,
        autoRollback = d.AutoRollback,
        automaticRollback = d.AutomaticRollback,
        checks = d.Checks,
        rollbackChecks = d.RollbackChecks,
        hooks = d.Hooks,
        code = d.Code,
        steps = d.Steps,
        group = d.Group,
        stage = d.Stage,
        realign = d.Realign,
        priorFingerprint = d.PriorFingerprint,
    };

    /// <summary>One line answering "why was rollback executed, and to which version?" for a rolled-back deployment.</summary>
    public static string RollbackLine(Deployment d, Deployment? restored) =>
        $"{Output.When(d.RolledBackAt)} {d.RolledBackBy} rolled back {d.Id} ({d.BundleId}) because \"{d.RollbackReason ?? "no reason given"}\"; "
        + $"back to {(restored is null ? "the state before any deployment" : $"{restored.Id} ({restored.BundleId})")}"
        + (d.RollbackDuration is { } t ? $" in {t.TotalSeconds:0.0}s" : "")
        + (d.RollbackOverBudget ? " [OVER BUDGET]" : "");
}
