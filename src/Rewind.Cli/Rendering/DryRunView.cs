using Rewind.Core.Ledger;
using Rewind.Core.Reporting;
using Rewind.Core.Engine;

namespace Rewind.Cli.Rendering;

/// <summary>The words of <c>rollback --dry-run</c>: what would go back, and what people changed since, with nothing changed.</summary>
internal static class DryRunView
{
    public static void Write(RollbackDryRun r)
    {
        var d = r.Deployment;
        Output.Line($"[bold]Dry run[/]: nothing was changed. A rollback of [bold]{Output.Esc(r.Target)}[/] now would:");
        Output.Line($"  undo     {d.Id} {Output.Esc(d.BundleId)} ({d.Status.ToName()}, deployed {Output.When(d.StartedAt)} by {Output.Esc(d.Who)})");
        Output.Line($"  back to  {(r.BackTo is null ? "the state before any deployment" : Output.Esc($"{r.BackTo.Id} {r.BackTo.BundleId}"))}");
        var c = r.Changes;
        Output.Line($"  records  {Output.Count(c.Changed, "record")} restored, {c.Added} re-created, {c.Deleted} removed");
        foreach (var record in c.Records)
        {
            Output.Line($"    {Output.Esc(record.Change)} {Output.Esc(record.Layer)}/{Output.Esc(record.Type)}/{Output.Esc(record.Key)}");
        }

        foreach (var table in c.Tables)
        {
            Output.Line($"  table    {Output.Esc(table.Table)}: {Output.Esc(table.Change)}");
        }

        foreach (var copy in c.DataCopies)
        {
            Output.Line($"  data     {Output.Esc(copy.Table)}: {Output.Count(copy.RowsNow, "row")} now, {copy.RowsAfter} after");
        }

        foreach (var row in c.Rows)
        {
            Output.Line($"  row      {Output.Esc(row.Table)} {Output.Esc(row.Key)}: {Output.Esc(row.Change)}{(row.Columns.Count > 0 ? $" ({Output.Esc(string.Join(", ", row.Columns))})" : "")}");
        }

        foreach (var slot in r.Code)
        {
            Output.Line($"  code     {Output.Esc(slot.Slot)} {Output.Esc(slot.ToVersion)} -> {Output.Esc(slot.FromVersion ?? "unknown (cannot roll back)")}");
        }

        // Records only: what row changes would keep or save is listed with the row changes above.
        Output.Line(r.LiveEdits.Count == 0
            ? "  records edited since the deploy: none"
            : $"  [yellow]records edited since the deploy[/]: {Output.Count(r.LiveEdits.Count, "record")} no longer hold what the deployment wrote (saved before the rollback overwrites them)");
        foreach (var edit in r.LiveEdits.Take(20))
        {
            Output.Line($"    {Output.Esc(edit.Layer)}/{Output.Esc(edit.Type)}/{Output.Esc(edit.Key)}: {RollbackDryRunView.LiveEditKind(edit.Change)}");
        }

        foreach (var b in r.BusinessTables)
        {
            Output.Line($"  business table {Output.Esc(b.Table)}: {b.ChangedRows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} rows changed while live; NOT rolled back ({Output.Esc(b.Method)})");
        }

        Output.Line($"  Afterwards {Output.Esc(r.Target)} leaves its patch train until a train-admin clears it.");
    }
}
