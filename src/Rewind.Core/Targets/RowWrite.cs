using Rewind.Core.Bundles;

namespace Rewind.Core.Targets;

/// <summary>The row a row-change line addresses: its key, and the line it came from (for errors).</summary>
public sealed record RowAddress(IReadOnlyList<ColumnValue> Key, long Line);

/// <summary>What one row write does; <see cref="InsertUnlessConflict"/> writes nothing when a unique key is taken.</summary>
public enum RowWriteKind
{
    Insert,
    InsertUnlessConflict,
    Update,
    Delete,
}

/// <summary>
/// One write of a batch (<see cref="IPlatformRows.WriteManyAsync"/>): an insert of <see cref="Values"/>, an update of
/// <see cref="Values"/> on the row with <see cref="Key"/>, or a delete of that row.
/// </summary>
public sealed record RowWrite(RowWriteKind Kind, IReadOnlyList<ColumnValue> Key, IReadOnlyList<ColumnValue> Values, long Line)
{
    public static RowWrite Insert(IReadOnlyList<ColumnValue> row, long line, bool unlessConflict = false) =>
        new(unlessConflict ? RowWriteKind.InsertUnlessConflict : RowWriteKind.Insert, [], row, line);

    public static RowWrite Update(IReadOnlyList<ColumnValue> key, IReadOnlyList<ColumnValue> values, long line) => new(RowWriteKind.Update, key, values, line);

    public static RowWrite Delete(IReadOnlyList<ColumnValue> key, long line) => new(RowWriteKind.Delete, key, [], line);
}
