using Rewind.Core.Audit;
using Rewind.Core.Bundles;
using Rewind.Core.Deployments;
using Rewind.Core.Impact;
using Rewind.Core.Train;
using Rewind.Server.Operations;

namespace Rewind.Server.Views;

/// <summary>The JSON shapes of the API, in the CLI's <c>--json</c> vocabulary so scripts can move between the two.</summary>
internal static class ApiViews
{
    public static object Target(TargetStatus s) => new
    {
        name = s.Name,
        state = s.State.StateName,
        reason = s.State.Reason,
        since = s.State.Since,
        by = s.State.Who,
        busy = s.Lock is null ? null : new { operation = s.Lock.Operation, who = s.Lock.Who, since = s.Lock.AcquiredAt, host = s.Lock.Host, pid = s.Lock.ProcessId, description = s.Lock.Describe() },
        last = s.Last is null ? null : Summary(s.Last),
        lastRollback = s.LastRollback is null ? null : Summary(s.LastRollback),
    };

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
        error = d.Error,
        rolledBackAt = d.RolledBackAt,
        rolledBackBy = d.RolledBackBy,
        rollbackReason = d.RollbackReason,
        rollbackSeconds = d.RollbackDuration?.TotalSeconds,
        rollbackOverBudget = d.RollbackOverBudget,
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
        impact = d.Impact is null ? null : Impact(d.Impact),
    };

    /// <summary>What a rollback would undo, and what the target goes back to: the 3 AM question, asked with facts.</summary>
    public static object Preview(string target, Deployment newest, Deployment? backTo) => new
    {
        target,
        deployment = Summary(newest),
        code = newest.Code.Select(c => new { slot = c.Slot, from = c.ToVersion, to = c.FromVersion }),
        backTo = backTo is null ? null : Summary(backTo),
        afterwards = $"{target} leaves its patch train (off-train) until a train-admin clears it. Business data is not rolled back.",
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
        tablesCreated = r.Summary.TablesCreated,
        tablesChanged = r.Summary.TablesChanged,
        alreadyApplied = r.AlreadyApplied,
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
    };

    public static object Quarantine(QuarantineEntry q) => new { target = q.Target, table = q.Table, @as = q.As, rows = q.Rows, deployment = q.Deployment, since = q.Since };

    public static object Train(TrainMatrix m) => new
    {
        group = m.Group,
        head = m.Head,
        bundles = m.Bundles.Select(b => new { position = b.Position, bundle = b.BundleId, digest = b.BundleDigest, boardedAt = b.BoardedAt, who = b.Who }),
        targets = m.Targets.Select(r => new
        {
            target = r.Target,
            stage = r.Stage,
            state = r.State.StateName,
            position = r.Position,
            atHead = r.AtHead(m.Head),
            cells = r.Cells.Select(c => new { position = c.Position, bundle = c.BundleId, state = c.State.ToName(), deployment = c.Deployment }),
        }),
    };

    public static object State(TargetState s) => new { target = s.Target, state = s.StateName, reason = s.Reason, by = s.Who, since = s.Since, deployment = s.Deployment };

    public static object Audit(AuditEntry e) => new
    {
        seq = e.Seq,
        at = e.At,
        who = e.Who,
        operation = e.Operation,
        target = e.Target,
        deployment = e.Deployment,
        reason = e.Reason,
        fromVersion = e.FromVersion,
        toVersion = e.ToVersion,
        startedAt = e.StartedAt,
        endedAt = e.EndedAt,
        outcome = e.Outcome,
        detail = e.Detail,
        hash = e.Hash,
    };

    public static object Operation(ServerOperation o, Deployment? deployment) => new
    {
        id = o.Id,
        kind = o.Kind,
        target = o.Target,
        who = o.Who,
        status = o.Status,
        startedAt = o.StartedAt,
        endedAt = o.EndedAt,
        progress = o.Progress is { } p ? new { step = p.Step, done = p.Done, total = p.Total } : null,
        deployment = o.Deployment,
        journal = deployment?.Steps,
        result = o.Result,
        problem = o.Problem,
    };
}
