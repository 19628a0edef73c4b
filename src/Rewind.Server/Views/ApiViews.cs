using Rewind.Core.Reporting;
using Rewind.Core.Audit;
using Rewind.Server.Operations;
using Rewind.Core.Engine;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

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
        last = s.Last is null ? null : JsonViews.Summary(s.Last),
        lastRollback = s.LastRollback is null ? null : JsonViews.Summary(s.LastRollback),
        needsInvestigation = JsonViews.Investigation(s),
        window = s.Window,
    };

    /// <summary>What a rollback would undo, and what the target goes back to: the 3 AM question, asked with facts.</summary>
    public static object Preview(RollbackDryRun plan) => new
    {
        target = plan.Target,
        deployment = JsonViews.Summary(plan.Deployment),
        code = plan.Deployment.Code.Select(c => new { slot = c.Slot, from = c.ToVersion, to = c.FromVersion }),
        backTo = plan.BackTo is null ? null : JsonViews.Summary(plan.BackTo),
        afterwards = $"{plan.Target} leaves its patch train (off-train) until a train-admin clears it. Business data is not rolled back.",
        plan = RollbackDryRunView.ToJson(plan),
    };

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
        overBudget = e.OverBudget,
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
