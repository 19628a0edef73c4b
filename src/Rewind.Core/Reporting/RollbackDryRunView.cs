using Rewind.Core.Engine;


namespace Rewind.Core.Reporting;

/// <summary>The JSON shape of a rollback dry run, for the CLI's <c>rollback --dry-run --json</c> and the HTTP API.</summary>
public static class RollbackDryRunView
{
    public static object ToJson(RollbackDryRun r) => new
    {
        dryRun = true,
        target = r.Target,
        deployment = JsonViews.Summary(r.Deployment),
        backTo = r.BackTo is null ? null : JsonViews.Summary(r.BackTo),
        versions = new { from = r.Deployment.BundleId, to = r.BackTo?.BundleId },
        records = new { restored = r.Changes.Changed, recreated = r.Changes.Added, removed = r.Changes.Deleted, unchanged = r.Changes.Unchanged },
        changes = r.Changes.Records.Select(c => new { layer = c.Layer, type = c.Type, key = c.Key, change = c.Change }),
        tables = r.Changes.Tables.Select(t => new { table = t.Table, change = t.Change }),
        dataCopies = r.Changes.DataCopies.Select(c => new { table = c.Table, rowsNow = c.RowsNow, rowsAfter = c.RowsAfter }),
        rows = r.Changes.Rows.Select(w => new { table = w.Table, key = w.Key, action = w.Change, columns = w.Columns }),
        code = r.Code.Select(c => new { slot = c.Slot, now = c.ToVersion, after = c.FromVersion }),
        liveEdits = r.LiveEdits.Select(e => new { layer = e.Layer, type = e.Type, key = e.Key, since = LiveEditKind(e.Change) }),
        businessTables = r.BusinessTables.Select(b => new { table = b.Table, changedRows = b.ChangedRows, inserted = b.Inserted, updated = b.Updated, deleted = b.Deleted, method = b.Method }),
        afterwards = $"{r.Target} leaves its patch train (off-train) until a train-admin clears it. Business data is not rolled back.",
    };

    /// <summary>How a record differs from what the deployment wrote, in the words of the impact report.</summary>
    public static string LiveEditKind(string forwardChange) => forwardChange switch
    {
        "add" => "deleted since the deploy",
        "delete" => "re-created since the deploy",
        _ => "edited since the deploy",
    };
}
