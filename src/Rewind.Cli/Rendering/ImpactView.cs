using Rewind.Core.Impact;

namespace Rewind.Cli.Rendering;

/// <summary>How a rollback's impact report is shown: what was not restored, what was saved, what was moved aside.</summary>
internal static class ImpactView
{
    public static object ToJson(ImpactReport impact) => Rewind.Core.Reporting.JsonViews.Impact(impact);

    public static void Write(ImpactReport impact)
    {
        foreach (var b in impact.BusinessTables)
        {
            Output.Line($"  [yellow]business table {Output.Esc(b.Table)}[/]: {(b.ChangedRows is { } changed ? Output.Count(changed, "row") : "? rows")} changed while the deployment was live ({Count(b.Inserted)} inserted, {Count(b.Updated)} updated, {Count(b.Deleted)} deleted); NOT rolled back.");
            if (b.Rows.Count > 0)
            {
                Output.Line($"    keys of the rows changed: {Output.Esc(string.Join(", ", b.Rows))}{(b.RowsTruncated ? ", …" : "")}");
            }

            Output.Line($"    [grey]{Output.Esc(b.Method)}[/]");
        }

        if (impact.LiveEdits.Count > 0)
        {
            Output.Line($"  [yellow]{Output.Count(impact.LiveEdits.Count, "record")} {(impact.LiveEdits.Count == 1 ? "was" : "were")} edited after the deployment[/] and are overwritten by the rollback; their edited images are saved as {impact.LiveEditsDigest}:");
            foreach (var e in impact.LiveEdits.Take(20))
            {
                Output.Line($"    {Output.Esc(e.ToString())}");
            }
        }

        if (impact.Rows.Count > 0)
        {
            Output.Line($"  [yellow]{Output.Count(impact.Rows.Count, "row")} of platform tables {(impact.Rows.Count == 1 ? "was" : "were")} not simply restored[/]{(impact.LiveEditsDigest is { } saved ? $" (what was saved is in bundle {saved})" : "")}:");
            foreach (var r in impact.Rows.Take(50))
            {
                Output.Line($"    {Output.Esc(r.Table)} {Output.Esc(r.Key)}: {Output.Esc(r.Action)}{(r.Columns.Count > 0 ? $" ({Output.Esc(string.Join(", ", r.Columns))})" : "")} - {Output.Esc(r.Reason)}");
            }

            if (impact.Rows.Count > 50)
            {
                Output.Line($"    ... and {impact.Rows.Count - 50} more (--json lists them all)");
            }
        }

        foreach (var q in impact.Quarantined)
        {
            Output.Line($"  table {Output.Esc(q.Table)} quarantined as {Output.Esc(q.As)} with {Output.Count(q.Rows, "row")}");
        }
    }

    private static string Count(long? n) => n?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
}
