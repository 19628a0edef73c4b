using Rewind.Core.Bundles;
using Rewind.Core.Impact;
using Rewind.Core.Train;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Reporting;

/// <summary>
/// The JSON shapes shared by the CLI's <c>--json</c> and the HTTP API, in one place, so a script can move
/// between the two and a new field shows in both.
/// </summary>
public static class JsonViews
{
    /// <summary>A deployment in a list: enough to recognise it and see how it came out.</summary>
    public static object Summary(Deployment d) => new
    {
        id = d.Id,
        target = d.Target,
        bundle = d.BundleId,
        kind = d.Kind == BundleKind.Release ? "release" : "metadata",
        status = d.Status.ToName(),
        who = d.Who,
        reason = d.Reason,
        startedAt = d.StartedAt,
        finishedAt = d.FinishedAt,
        records = d.Records,
        rows = d.Rows,
        rowChanges = d.RowChanges,
        error = d.Error,
        rolledBackAt = d.RolledBackAt,
        rolledBackBy = d.RolledBackBy,
        rollbackReason = d.RollbackReason,
        rollbackSeconds = d.RollbackDuration?.TotalSeconds,
        rollbackOverBudget = d.RollbackOverBudget,
        overBudgetAck = d.OverBudgetAck,
    };

    /// <summary>One deployment in full: its impact report (checks, hooks, code slots) and its journal.</summary>
    public static object Deployment(Deployment d) => new
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
        rowChanges = d.RowChanges,
        error = d.Error,
        rolledBackAt = d.RolledBackAt,
        rolledBackBy = d.RolledBackBy,
        rollbackReason = d.RollbackReason,
        rollbackSeconds = d.RollbackDuration?.TotalSeconds,
        rollbackOverBudget = d.RollbackOverBudget,
        autoRollback = d.AutoRollback,
        automaticRollback = d.AutomaticRollback,
        rolledBackWithGroup = d.RolledBackWithGroup,
        checks = d.Checks,
        rollbackChecks = d.RollbackChecks,
        hooks = d.Hooks,
        code = d.Code,
        steps = d.Steps,
        group = d.Group,
        stage = d.Stage,
        realign = d.Realign,
        priorFingerprint = d.PriorFingerprint,
        impact = d.Impact is null ? null : Impact(d.Impact),
    };

    public static object Deploy(DeployResult r) => new
    {
        deployment = r.Deployment.Id,
        target = r.Deployment.Target,
        bundle = r.Deployment.BundleId,
        digest = r.Deployment.BundleDigest,
        status = r.Deployment.Status.ToName(),
        inverse = r.Deployment.InverseDigest,
        records = r.Summary.Records,
        rows = r.Summary.Rows,
        rowChanges = r.Deployment.RowChanges,
        tablesCreated = r.Summary.TablesCreated,
        tablesChanged = r.Summary.TablesChanged,
        quarantined = r.Summary.Quarantined.Select(q => new { table = q.Table, @as = q.As, rows = q.Rows }),
        alreadyApplied = r.AlreadyApplied,
        code = r.Deployment.Code.Select(c => new { slot = c.Slot, from = c.FromVersion, to = c.ToVersion }),
        warning = r.Warning,
        verification = new { outcome = r.Verification.Outcome.ToString().ToLowerInvariant(), checks = r.Verification.Checks },
        automaticRollback = r.AutomaticRollback is { } a ? new { status = a.Deployment.Status.ToName(), state = a.State.StateName, seconds = a.Deployment.RollbackDuration?.TotalSeconds } : null,
    };

    public static object Rollback(RollbackResult r) => new
    {
        deployment = r.Deployment.Id,
        target = r.Deployment.Target,
        bundle = r.Deployment.BundleId,
        status = r.Deployment.Status.ToName(),
        state = r.State.StateName,
        reason = r.State.Reason,
        verification = new { outcome = r.Verification.Outcome.ToString().ToLowerInvariant(), checks = r.Verification.Checks },
        seconds = r.Deployment.RollbackDuration?.TotalSeconds,
        resumed = r.Resumed,
        code = r.Deployment.Code.Select(c => new { slot = c.Slot, from = c.ToVersion, to = c.FromVersion }),
        overBudget = r.Deployment.RollbackOverBudget,
        impact = Impact(r.Impact),
    };

    /// <summary>What a rollback did not restore (business data), what it saved (live edits) and what it moved aside.</summary>
    public static object Impact(ImpactReport impact) => new
    {
        businessTables = impact.BusinessTables.Select(b => new
        {
            table = b.Table,
            changedRows = b.ChangedRows,
            inserted = b.Inserted,
            updated = b.Updated,
            deleted = b.Deleted,
            rows = b.Rows,
            rowsTruncated = b.RowsTruncated,
            method = b.Method,
        }),
        liveEdits = impact.LiveEdits.Select(e => new { layer = e.Layer, type = e.Type, key = e.Key }),
        liveEditsBundle = impact.LiveEditsDigest,
        quarantined = impact.Quarantined.Select(q => new { table = q.Table, @as = q.As, rows = q.Rows }),
        rows = impact.Rows.Select(r => new { table = r.Table, key = r.Key, action = r.Action, reason = r.Reason, columns = r.Columns }),
    };

    /// <summary>What a target needs investigated (over-budget rollbacks not yet acknowledged), or null when nothing.</summary>
    public static object? Investigation(TargetStatus s) => s.NeedsInvestigation.Count == 0 ? null : new
    {
        why = "over budget",
        deployments = s.NeedsInvestigation.Select(d => new { id = d.Id, bundle = d.BundleId, at = d.RolledBackAt, seconds = d.RollbackDuration?.TotalSeconds }),
        ack = $"rewind ack --target {s.Name} --reason \"...\"",
    };

    public static object Quarantine(QuarantineEntry q) => new { target = q.Target, table = q.Table, @as = q.As, rows = q.Rows, deployment = q.Deployment, since = q.Since };

    public static object State(TargetState s) => new { target = s.Target, state = s.StateName, reason = s.Reason, by = s.Who, since = s.Since, deployment = s.Deployment };

    /// <summary>A lock an admin broke (<c>rewind unlock</c>): whose it was, and the host and process still to be stopped.</summary>
    public static object Unlocked(string? target, string? group, Ledger.LockHolder holder) =>
        new { target, group, broken = new { operation = holder.Operation, who = holder.Who, since = holder.AcquiredAt, host = holder.Host, pid = holder.ProcessId } };

    /// <summary>A group's patch train: the bundles on it and, per target, where it stands on each.</summary>
    public static object Train(TrainMatrix m) => new
    {
        group = m.Group,
        head = m.Head,
        bundles = m.Bundles.Select(b => new { position = b.Position, bundle = b.BundleId, digest = b.BundleDigest, boardedAt = b.BoardedAt, who = b.Who }),
        targets = m.Targets.Select(t => new
        {
            name = t.Target,
            stage = t.Stage,
            state = t.State.StateName,
            position = t.Position,
            atHead = t.AtHead(m.Head),
            cells = t.Cells.Select(c => new { position = c.Position, bundle = c.BundleId, state = c.State.ToName(), deployment = c.Deployment }),
        }),
    };
}
