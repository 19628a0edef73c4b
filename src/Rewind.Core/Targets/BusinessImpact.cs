namespace Rewind.Core.Targets;

/// <summary>A business table's counters when a deployment went live, to compare with at rollback.</summary>
public sealed record TableBaseline(string Table, DateTimeOffset At, long? Rows, long? MaxRowId, long? Inserted, long? Updated, long? Deleted);

/// <summary>
/// What changed in one business table while a deployment was live — which a rollback does not undo.
/// Null counts are unknown by the method used; <see cref="Method"/> says how they were obtained and their limits.
/// </summary>
public sealed record BusinessImpact(
    string Table,
    long? ChangedRows,
    long? Inserted,
    long? Updated,
    long? Deleted,
    IReadOnlyList<string> Rows,
    bool RowsTruncated,
    string Method);
