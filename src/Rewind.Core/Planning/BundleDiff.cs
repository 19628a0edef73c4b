namespace Rewind.Core.Planning;

/// <summary>What a bundle would change on a target, read without changing anything.</summary>
public sealed record BundleDiff(
    string Target,
    string BundleId,
    string Digest,
    long Added,
    long Changed,
    long Unchanged,
    long Deleted,
    long DeletesOfAbsent,
    IReadOnlyList<RecordDifference> Records,
    IReadOnlyList<DataCopyDifference> DataCopies,
    IReadOnlyList<TableDifference> Tables)
{
    /// <summary>Each row change and what it would do to the row its key addresses (up to the list limit).</summary>
    public IReadOnlyList<RowDifference> Rows { get; init; } = [];

    /// <summary>True when the target's database does not exist yet (its first deploy creates it); nothing was opened or created.</summary>
    public bool TargetMissing { get; init; }
}

/// <summary>One record the bundle would add, change or delete.</summary>
public sealed record RecordDifference(string Layer, string Type, string Key, string Change);

/// <summary>
/// One row change: <see cref="Change"/> is <c>insert</c>, <c>update</c> (naming the columns whose values differ),
/// <c>unchanged</c>, <c>delete</c> or <c>absent</c> (a delete of a row that is not there).
/// </summary>
public sealed record RowDifference(string Table, string Key, string Change, IReadOnlyList<string> Columns);

public sealed record DataCopyDifference(string Table, long RowsNow, long RowsAfter);

/// <summary>A table the bundle would create, alter or quarantine.</summary>
public sealed record TableDifference(string Table, string Change);
