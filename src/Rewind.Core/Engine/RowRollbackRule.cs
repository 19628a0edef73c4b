using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Impact;
using Rewind.Core.Targets;

namespace Rewind.Core.Engine;

/// <summary>What applying one row change does to the live row: the write, the row to save first, and what to report.</summary>
internal sealed record RowStep(RowStepKind Kind, IReadOnlyList<ColumnValue> Values, IReadOnlyList<ColumnValue>? Save, RowOutcome? Outcome);

internal enum RowStepKind
{
    None,
    Insert,

    /// <summary>Insert unless another row holds one of its unique keys (then save it instead: see <see cref="RowRollbackRule.Collided"/>).</summary>
    InsertUnlessConflict,
    Update,
    Delete,
}

/// <summary>
/// DESIGN.md's three-way table for rows of platform tables, as one pure decision — prior image B (the inverse
/// line), what the deploy wrote D (its <c>expect</c>), the live row L — so the rollback that writes and the dry run
/// that only tells decide the same way. A plain row change (no <c>expect</c>) is written as given, except that
/// columns of the table's own primary key are never changed on an update when rows are addressed by another key.
/// </summary>
internal static class RowRollbackRule
{
    public static RowStep Decide(string table, RowChange change, IReadOnlyList<ColumnValue> key, IReadOnlyList<ColumnValue>? live, IPlatformRows rows, LiveEditPolicy policy)
    {
        var described = Describe(key);
        var writable = change.Values.Where(v => !Fixed(rows, v.Column)).ToList();
        if (change.Expect is null && !change.ExpectAbsent)
        {
            return (change.Kind, live) switch
            {
                (RowChangeKind.Delete, null) => None(),
                (RowChangeKind.Delete, _) => new RowStep(RowStepKind.Delete, key, null, null),
                (_, null) => new RowStep(RowStepKind.Insert, change.Values, null, null),
                _ => writable.Count == 0 ? None() : new RowStep(RowStepKind.Update, writable, null, null),
            };
        }

        if (change.ExpectAbsent)
        {
            // The deploy deleted this row: put it back unless someone re-inserted it.
            return live is null
                ? new RowStep(RowStepKind.InsertUnlessConflict, change.Values, null, null)
                : new RowStep(RowStepKind.None, [], change.Values, new RowOutcome(table, described, "kept", "re-inserted since the deploy deleted it: the live row is kept and the prior image saved", []));
        }

        if (live is null)
        {
            return None(new RowOutcome(table, described, "deleted-since", "deleted since the deploy wrote it; not re-inserted", []));
        }

        var edited = change.Expect!.Where(e => !Holds(live, e)).Select(e => e.Column).ToList();
        if (change.Kind == RowChangeKind.Delete)
        {
            // The deploy inserted this row: delete it, unless someone worked on it since.
            return edited.Count == 0
                ? new RowStep(RowStepKind.Delete, key, null, null)
                : None(new RowOutcome(table, described, "kept", "inserted by the deploy and changed since (a live edit): kept", edited));
        }

        var restore = writable.Where(v => policy == LiveEditPolicy.Restore || !edited.Contains(v.Column, StringComparer.OrdinalIgnoreCase)).ToList();
        var outcome = edited.Count == 0
            ? null
            : policy == LiveEditPolicy.Restore
                ? new RowOutcome(table, described, "saved-and-restored", "changed since the deploy (a live edit): the live row was saved, then the prior values restored (liveEdits: restore)", edited)
                : new RowOutcome(table, described, "kept", "changed since the deploy (a live edit): those values are kept (liveEdits: keep)", edited);
        var save = edited.Count > 0 && policy == LiveEditPolicy.Restore ? live : null;
        return new RowStep(restore.Count == 0 ? RowStepKind.None : RowStepKind.Update, restore, save, outcome);
    }

    /// <summary>What is reported when a row the deploy deleted cannot go back: another row holds one of its unique keys.</summary>
    public static RowOutcome Collided(string table, IReadOnlyList<ColumnValue> key) =>
        new(table, Describe(key), "saved", "its prior image collides with a row written since on another unique key: the live row is kept and the prior image saved", []);

    /// <summary>A key column, or a column of the primary key when rows are addressed by another key: never changed by an update.</summary>
    public static bool Fixed(IPlatformRows rows, string column) =>
        rows.Key.Contains(column, StringComparer.OrdinalIgnoreCase) || rows.PrimaryKey.Contains(column, StringComparer.OrdinalIgnoreCase);

    public static string Describe(IReadOnlyList<ColumnValue> key) => "(" + string.Join(", ", key.Select(k => $"{k.Column}={k.Json}")) + ")";

    private static RowStep None(RowOutcome? outcome = null) => new(RowStepKind.None, [], null, outcome);

    private static bool Holds(IReadOnlyList<ColumnValue> row, ColumnValue expected) =>
        row.Any(v => string.Equals(v.Column, expected.Column, StringComparison.OrdinalIgnoreCase) && string.Equals(v.Json, expected.Json, StringComparison.Ordinal));
}
