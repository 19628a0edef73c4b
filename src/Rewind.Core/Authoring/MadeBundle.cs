namespace Rewind.Core.Authoring;

/// <summary>A bundle <c>rewind bundle make</c> wrote: where, what it holds, and the source state it was made from.</summary>
public sealed record MadeBundle(
    string Path,
    string Id,
    string Digest,
    string Description,
    string? SourceFingerprint,
    long Upserts,
    long Deletes,
    IReadOnlyList<MadeTableDefinition> Definitions,
    IReadOnlyList<MadeTableRows> Tables)
{
    /// <summary>True when the targets already agree on everything selected: the bundle changes nothing.</summary>
    public bool IsEmpty => Upserts == 0 && Deletes == 0 && Tables.Count == 0;
}

/// <summary>A table definition the bundle defines (or deletes: the table is quarantined on deploy).</summary>
public sealed record MadeTableDefinition(string Layer, string Table, bool Delete);

/// <summary>
/// The rows of one platform table the bundle changes: <see cref="DataCopy"/> when the whole table is replaced
/// (<see cref="Lines"/> rows), else row changes (<see cref="Lines"/> upserts and deletes).
/// </summary>
public sealed record MadeTableRows(string Table, bool DataCopy, long Lines);
